// The resolver's answer without gRPC types, so the lookup logic and its tests
// stay free of gRPC headers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mxd {

struct Route {
  std::string host;
  uint32_t preference = 0;
  uint16_t port = 25;
  std::vector<std::string> addresses;
  bool fallback = false;
};

enum class RouteStatus { kOk, kTempFail, kPermFail };

struct RouteSet {
  RouteStatus status = RouteStatus::kTempFail;
  std::string enhanced_status;
  std::string reason;
  std::vector<Route> routes;
  std::string effective_nexthop;
  uint32_t ttl = 0;
};

}  // namespace mxd
