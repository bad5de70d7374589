#include "resolver-svc/routes/own_addresses.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/nexthop/ip_literal.h"

namespace mxd {
namespace {

// False for a family that is not an address (AF_PACKET in getifaddrs).
bool InsertSockaddr(const sockaddr* sa, OwnAddresses& out) {
  std::array<unsigned char, 16> octets{};
  if (sa->sa_family == AF_INET) {
    octets[10] = octets[11] = 0xff;
    std::memcpy(octets.data() + 12, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  } else if (sa->sa_family == AF_INET6) {
    std::memcpy(octets.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
  } else {
    return false;
  }
  out.insert(octets);
  return true;
}

bool InsertText(absl::string_view address, OwnAddresses& out) {
  std::array<unsigned char, 16> octets;
  bool v4 = false;
  if (!ParseIpAddress(CanonicalIpAddress(address), &octets, &v4)) return false;
  out.insert(octets);
  return true;
}

bool IsLoopback(const std::array<unsigned char, 16>& a) {
  static constexpr std::array<unsigned char, 16> kV6Loopback = {0, 0, 0, 0, 0, 0, 0, 0,
                                                                0, 0, 0, 0, 0, 0, 0, 1};
  return a == kV6Loopback || (IsIpv4Mapped(a) && a[12] == 127);
}

absl::Status AddEntry(const std::string& entry, const char* param, OwnAddresses& out) {
  if (absl::EqualsIgnoreCase(entry, "all")) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
      return absl::InternalError(absl::StrCat(param, " = all: getifaddrs: ", std::strerror(errno)));
    }
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr != nullptr) InsertSockaddr(i->ifa_addr, out);
    }
    freeifaddrs(list);
    return absl::OkStatus();
  }
  if (absl::EqualsIgnoreCase(entry, "loopback-only")) {
    InsertText("127.0.0.1", out);
    InsertText("::1", out);
    return absl::OkStatus();
  }
  if (InsertText(entry, out)) return absl::OkStatus();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  int rc = getaddrinfo(entry.c_str(), nullptr, &hints, &res);
  if (rc != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(param, ": cannot find the address of '", entry, "': ", gai_strerror(rc)));
  }
  for (addrinfo* r = res; r != nullptr; r = r->ai_next) {
    InsertSockaddr(r->ai_addr, out);
  }
  freeaddrinfo(res);
  return absl::OkStatus();
}

}  // namespace

bool IsOwnAddress(absl::string_view address, const OwnAddresses& own) {
  std::array<unsigned char, 16> octets;
  bool v4 = false;
  // The text is already canonical when it comes from DNS: one parse.
  if (!ParseIpAddress(address, &octets, &v4) && !ParseIpAddress(CanonicalIpAddress(address), &octets, &v4)) {
    return false;
  }
  if (own.contains(octets)) return true;
  static constexpr std::array<unsigned char, 16> kV6Unspecified = {};
  static constexpr std::array<unsigned char, 16> kV4Unspecified = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (octets == kV6Unspecified || octets == kV4Unspecified) {
    for (const auto& o : own) {
      if (IsLoopback(o)) return true;
    }
  }
  return false;
}

absl::StatusOr<OwnAddresses> FindOwnAddresses(const std::vector<std::string>& inet_interfaces,
                                              const std::vector<std::string>& proxy_interfaces) {
  OwnAddresses out;
  for (const std::string& e : inet_interfaces) {
    if (absl::Status s = AddEntry(e, "inet_interfaces", out); !s.ok()) return s;
  }
  for (const std::string& e : proxy_interfaces) {
    if (absl::EqualsIgnoreCase(e, "all")) {
      return absl::InvalidArgumentError("proxy_interfaces: 'all' is not allowed here");
    }
    if (absl::Status s = AddEntry(e, "proxy_interfaces", out); !s.ok()) return s;
  }
  return out;
}

}  // namespace mxd
