// Sends each next hop's mail to the same delivery-svc replica (consistent
// hashing on the next hop), so per-destination concurrency limits and
// connection reuse hold when delivery-svc is scaled out; when that replica is
// UNAVAILABLE, the next one on the ring takes over.
//
// Endpoints: "host:port,host:port", or "dns:NAME:PORT" for every address of
// NAME (a Kubernetes headless Service), looked up when the router is made.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/client/deliver_client.h"

namespace mxd::client {

class DeliveryRouter {
 public:
  static absl::StatusOr<std::unique_ptr<DeliveryRouter>> Create(const std::string& endpoints,
                                                                const ChannelSecurity& security = {});

  // Replicas in the order to try them for `nexthop`.
  std::vector<std::string> Candidates(const std::string& nexthop) const;

  // Delivers through the first replica that is available. `fd` must be a
  // regular file (it is read again on failover); DeliverClient::DeliverFd
  // handles pipes for a single endpoint.
  absl::StatusOr<DeliverResult> DeliverFile(const DeliverEnvelope& envelope, int fd, absl::Duration timeout);

  const std::vector<std::string>& endpoints() const { return endpoints_; }

  static constexpr int kVirtualNodes = 128;  // ring points per replica: even spread

 private:
  DeliveryRouter(std::vector<std::string> endpoints, ChannelSecurity security);
  DeliverClient* ClientFor(const std::string& endpoint);

  std::vector<std::string> endpoints_;
  ChannelSecurity security_;
  std::map<uint64_t, size_t> ring_;  // point -> endpoint index
  std::map<std::string, std::unique_ptr<DeliverClient>> clients_;
};

// A stable 64-bit hash (the first 8 octets of SHA-256): every queue manager
// process maps a next hop to the same replica.
uint64_t StableHash(const std::string& s);

}  // namespace mxd::client
