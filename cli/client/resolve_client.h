// Client side of Resolver.Resolve for queue managers and mxctl: plain structs
// in, plain structs out, with a deadline.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/client/channel_security.h"

namespace mxd::client {

struct ResolvedRoute {
  std::string host;
  uint32_t preference = 0;
  uint32_t port = 25;
  std::vector<std::string> addresses;
  bool fallback = false;
};

struct ResolveResult {
  enum class Status { kOk, kTempFail, kPermFail };
  Status status = Status::kTempFail;
  std::string enhanced_status;
  std::string reason;
  std::string effective_nexthop;
  uint32_t ttl_seconds = 0;
  std::vector<ResolvedRoute> routes;
  // resolver-svc's signature over the next hop and routes (serialized
  // mxd.v1.RouteSignature; empty without route_key_file): hand it to
  // DeliverEnvelope untouched, with effective_nexthop and routes.
  std::string route_signature;
};

class ResolveClient {
 public:
  // `target` is HOST:PORT of resolver-svc.
  explicit ResolveClient(const std::string& target, const ChannelSecurity& security = {});
  ~ResolveClient();

  // A non-OK status is the RPC's failure (INVALID_ARGUMENT for a bad next
  // hop, UNAVAILABLE / DEADLINE_EXCEEDED when the service is down or slow);
  // DNS failures arrive as an OK status holding a tempfail/permfail result.
  absl::StatusOr<ResolveResult> Resolve(const std::string& nexthop, absl::Duration timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mxd::client
