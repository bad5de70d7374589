// delivery-svc's parameters, read once from the Config into typed fields.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "delivery-svc/smtp_session.h"

namespace mxd {

struct DeliverySettings {
  SessionSettings session;
  absl::Duration connect_timeout = absl::Seconds(30);
  absl::Duration pix_threshold = absl::Seconds(500);
  size_t concurrency_limit = 20;  // per next hop
  bool connection_cache = true;
  absl::Duration cache_time_limit = absl::Seconds(2);
  absl::Duration reuse_time_limit = absl::Seconds(300);
  size_t mx_address_limit = 5;
  std::vector<std::string> debug_peer_list;
  int debug_peer_level = 2;
  size_t session_limit = 1000;
  size_t pending_request_limit = 10000;
  std::string spool_directory = "/tmp";
  bool use_ipv4 = true;
  bool use_ipv6 = true;

  static absl::StatusOr<DeliverySettings> FromConfig(const Config& config);
};

}  // namespace mxd
