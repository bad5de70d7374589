// The signature resolver-svc puts on a route set, and delivery-svc checks
// (route_key_file): an HMAC-SHA256 over the next hop, every route and an
// expiry, with a key both services read. A caller that alters a route,
// adds one or points a next hop with credentials at its own server no
// longer has a set that matches. No gRPC types: both services fill the
// canonical message from their own structures.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/config/configured_file.h"

namespace mxd {

// The bytes a signature covers: every field length-prefixed and tagged, so
// no two different route sets encode alike.
class RouteSetMessage {
 public:
  RouteSetMessage(absl::string_view nexthop, int64_t expires_unix_seconds);
  void AddRoute(absl::string_view host, uint32_t preference, uint32_t port, bool fallback);
  void AddAddress(absl::string_view address);  // of the route added last
  const std::string& bytes() const { return bytes_; }

 private:
  void Put(char tag, absl::string_view field);
  std::string bytes_;
};

class RouteKey {
 public:
  static constexpr size_t kMinBytes = 32;
  static constexpr size_t kMaxBytes = 4096;

  // The contents of route_key_file; surrounding white space (a trailing
  // newline) is not part of the key. Refused when shorter than kMinBytes.
  static absl::StatusOr<RouteKey> FromFileContents(absl::string_view contents, absl::string_view path);

  // HMAC-SHA256 of the message (32 octets).
  std::string Sign(const RouteSetMessage& m) const;
  // OK, or PERMISSION_DENIED saying what is wrong: no signature, expired,
  // or not matching (altered, or made with another key).
  absl::Status Check(const RouteSetMessage& m, absl::string_view mac, int64_t expires_unix_seconds,
                     absl::Time now) const;

 private:
  explicit RouteKey(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

// The key route_key_file names in `config`; null when none is configured.
absl::StatusOr<std::shared_ptr<const RouteKey>> LoadRouteKey(const Config& config, const FileContents* files);

}  // namespace mxd
