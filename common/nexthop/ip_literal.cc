#include "common/nexthop/ip_literal.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/match.h"

namespace mxd {
namespace {

constexpr size_t kMaxAddressText = 64;  // far beyond INET6_ADDRSTRLEN: refuse before copying

bool Parse(int family, absl::string_view text, void* out) {
  if (text.empty() || text.size() > kMaxAddressText) return false;
  const std::string copy(text);  // inet_pton wants a terminated string
  return inet_pton(family, copy.c_str(), out) == 1;
}

absl::string_view WithoutBrackets(absl::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  return s;
}

}  // namespace

IpFamily IpAddressFamily(absl::string_view text) {
  unsigned char buf[16];
  if (Parse(AF_INET, text, buf)) return IpFamily::kV4;
  if (Parse(AF_INET6, text, buf)) return IpFamily::kV6;
  return IpFamily::kNone;
}

bool ParseIpAddress(absl::string_view s, std::array<unsigned char, 16>* out, bool* is_v4) {
  s = WithoutBrackets(s);
  unsigned char v4[4];
  if (Parse(AF_INET, s, v4)) {
    out->fill(0);
    (*out)[10] = (*out)[11] = 0xff;
    std::memcpy(out->data() + 12, v4, 4);
    *is_v4 = true;
    return true;
  }
  *is_v4 = false;
  return Parse(AF_INET6, s, out->data());
}

bool IsIpv4Mapped(const std::array<unsigned char, 16>& octets) {
  static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(octets.data(), kMapped, sizeof(kMapped)) == 0;
}

std::string IpAddressText(const std::array<unsigned char, 16>& octets) {
  char text[INET6_ADDRSTRLEN];
  const bool mapped = IsIpv4Mapped(octets);
  const char* ok = mapped ? inet_ntop(AF_INET, octets.data() + 12, text, sizeof(text))
                          : inet_ntop(AF_INET6, octets.data(), text, sizeof(text));
  return ok != nullptr ? std::string(text) : std::string();
}

std::string CanonicalIpAddress(absl::string_view text) {
  text = WithoutBrackets(text);
  if (absl::StartsWithIgnoreCase(text, "ipv6:")) text.remove_prefix(5);
  unsigned char buf[16];
  char out[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (Parse(family, text, buf) && inet_ntop(family, buf, out, sizeof(out)) != nullptr) return out;
  }
  return "";
}

bool IsAddressLiteral(absl::string_view inside) {
  if (absl::StartsWithIgnoreCase(inside, "ipv6:")) return IpAddressFamily(inside.substr(5)) == IpFamily::kV6;
  return IpAddressFamily(inside) == IpFamily::kV4;
}

}  // namespace mxd
