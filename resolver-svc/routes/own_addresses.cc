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

std::string SockaddrText(const sockaddr* sa) {
  char text[INET6_ADDRSTRLEN];
  if (sa->sa_family == AF_INET) {
    return inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, text, sizeof(text));
  }
  if (sa->sa_family == AF_INET6) {
    return inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, text, sizeof(text));
  }
  return "";
}

absl::Status AddEntry(const std::string& entry, const char* param, absl::flat_hash_set<std::string>& out) {
  if (absl::EqualsIgnoreCase(entry, "all")) {
    ifaddrs* list = nullptr;
    if (getifaddrs(&list) != 0) {
      return absl::InternalError(absl::StrCat(param, " = all: getifaddrs: ", std::strerror(errno)));
    }
    for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
      if (i->ifa_addr == nullptr) continue;
      std::string a = SockaddrText(i->ifa_addr);
      if (!a.empty()) out.insert(a);
    }
    freeifaddrs(list);
    return absl::OkStatus();
  }
  if (absl::EqualsIgnoreCase(entry, "loopback-only")) {
    out.insert("127.0.0.1");
    out.insert("::1");
    return absl::OkStatus();
  }
  if (std::string a = CanonicalIpAddress(entry); !a.empty()) {
    out.insert(a);
    return absl::OkStatus();
  }
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
    std::string a = SockaddrText(r->ai_addr);
    if (!a.empty()) out.insert(a);
  }
  freeaddrinfo(res);
  return absl::OkStatus();
}

}  // namespace

bool IsOwnAddress(const std::string& address, const absl::flat_hash_set<std::string>& own) {
  // As text, IPv4-mapped IPv6 (::ffff:127.0.0.1) as the IPv4 address it is.
  std::array<unsigned char, 16> octets;
  bool v4 = false;
  if (!ParseIpAddress(CanonicalIpAddress(address), &octets, &v4)) return false;
  const std::string a = IpAddressText(octets);
  if (own.contains(a)) return true;
  if (a == "0.0.0.0" || a == "::") {
    for (const std::string& o : own) {
      if (absl::StartsWith(o, "127.") || o == "::1") return true;
    }
  }
  return false;
}

absl::StatusOr<absl::flat_hash_set<std::string>> FindOwnAddresses(
    const std::vector<std::string>& inet_interfaces, const std::vector<std::string>& proxy_interfaces) {
  absl::flat_hash_set<std::string> out;
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
