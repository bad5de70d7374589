// delivery-svc's parameters, read once from the Config into typed fields.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/config/delivery_time_budget.h"
#include "common/config/lookup_table.h"
#include "common/security/route_signature.h"
#include "delivery-svc/engine/message_spool.h"
#include "delivery-svc/engine/peer_match.h"
#include "delivery-svc/sasl/sasl_client.h"
#include "delivery-svc/sasl/sasl_passwords.h"
#include "delivery-svc/smtp/session_settings.h"
#include "delivery-svc/tls/tls_client_context.h"
#include "delivery-svc/tls/tls_policy.h"

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
  size_t mx_session_limit = 2;
  PeerList debug_peer_list;
  int debug_peer_level = 2;
  size_t session_limit = 1000;
  size_t event_loops = 0;  // delivery_event_loops; 0: one per core
  // delivery_reply_memory_limit, delivery_memory_spool_size_limit and
  // delivery_spool_size_limit: one budget each for the process, kept
  // across reloads (a reload changes their limits: ApplyBudgetLimits).
  size_t reply_memory_limit = 32 << 20;
  std::shared_ptr<ByteBudget> reply_budget;
  uint64_t memory_spool_message_limit = 256 << 10;
  uint64_t memory_spool_limit = 64 << 20;
  std::shared_ptr<ByteBudget> memory_spool_budget;
  void ApplyBudgetLimits() const {
    reply_budget->SetLimit(reply_memory_limit);
    memory_spool_budget->SetLimit(memory_spool_limit);
    spool_budget->SetLimit(SpoolBudgetLimit());
  }
  SpoolPlace Spool() const {
    return {spool_directory, memory_spool_message_limit, memory_spool_budget.get()};
  }
  size_t pending_request_limit = 10000;
  size_t stream_message_limit = 1000;      // per DeliverStream
  uint64_t message_size_limit = 10240000;  // 0: none
  std::string spool_directory = "/tmp";
  uint64_t spool_size_limit = 1 << 30;  // 0: none
  // The declared message_size of every message in progress, taken before
  // anything is written.
  std::shared_ptr<ByteBudget> spool_budget;
  size_t SpoolBudgetLimit() const {
    return spool_size_limit == 0 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(spool_size_limit);
  }
  bool use_ipv4 = true;
  bool use_ipv6 = true;
  // Worst cases from the smtp_*_timeout values: within a caller's deadline
  // no server or transaction is begun that could not end before it.
  DeliveryTimeBudget time_budget;

  // TLS and SASL: tables, certificates and libraries loaded at start-up.
  bool tls_wrappermode = false;
  std::shared_ptr<TlsClientContext> tls_context;
  std::shared_ptr<const TlsPolicyTable> tls_policies;
  std::shared_ptr<const SaslClient> sasl;  // null unless smtp_sasl_auth_enable
  std::shared_ptr<const SaslPasswords> sasl_passwords;
  std::shared_ptr<const LookupTable> pix_workaround_maps;  // server IP -> workarounds
  std::vector<std::string> sasl_mechanism_filter;
  SaslSecurityOptions sasl_options;
  SaslSecurityOptions sasl_tls_options;
  bool sasl_soft_bounce = true;
  // route_key_file: with a key, only signed route sets are delivered (and
  // only they get credentials); null trusts the caller's routes.
  std::shared_ptr<const RouteKey> route_key;

  // `tables`: lookup tables' contents read earlier (path -> text) instead of
  // the files (a reload after confinement). `previous`: the settings being
  // replaced; their TLS context and SASL library are kept (certificates and
  // keys are read at start only).
  // One warning per next hop that has a password but a TLS level below
  // verify: the password would go to whoever answers for the address.
  void WarnAboutUnverifiedCredentials() const;

  static constexpr int64_t kMinLineLengthLimit = 40;  // smtp_line_length_limit, when not 0
  static absl::StatusOr<DeliverySettings> FromConfig(const Config& config,
                                                     const LookupTable::FileContents* tables = nullptr,
                                                     const DeliverySettings* previous = nullptr);

 private:
  static absl::Status LoadTlsAndSasl(const Config& config, const LookupTable::FileContents* tables,
                                     const DeliverySettings* previous, DeliverySettings* d);
};

}  // namespace mxd
