#include "common/net/socket_address.h"

#include <netinet/in.h>

#include <array>
#include <cstring>

#include "common/nexthop/ip_literal.h"

namespace mxd {

bool ToSocketAddress(absl::string_view ip, uint16_t port, sockaddr_storage* out, socklen_t* len) {
  std::array<unsigned char, 16> octets;
  bool v4 = false;
  if (ip.empty() || ip.front() == '[' || !ParseIpAddress(ip, &octets, &v4)) return false;
  *out = sockaddr_storage{};
  if (v4) {
    auto* a = reinterpret_cast<sockaddr_in*>(out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, octets.data() + 12, 4);
    *len = sizeof(*a);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, octets.data(), 16);
    *len = sizeof(*a);
  }
  return true;
}

}  // namespace mxd
