#include "common/nexthop/nexthop.h"

#include <idn2.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/nexthop/domain_name.h"
#include "common/nexthop/ip_literal.h"

namespace mxd {
namespace {

struct ServiceName {
  absl::string_view name;
  uint16_t port;
};
constexpr ServiceName kServices[] = {
    {"smtp", 25}, {"submission", 587}, {"submissions", 465}, {"smtps", 465}, {"lmtp", 24}};

bool LooksNumeric(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return !s.empty();
}

// Canonical text of an address, or "" if `s` is not one of that family.
std::string CanonicalAddress(IpFamily family, absl::string_view s) {
  return IpAddressFamily(s) == family ? CanonicalIpAddress(s) : "";
}

absl::Status Invalid(absl::string_view text, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("invalid next hop \"", text, "\": ", why));
}

// An internationalised domain name (U-labels, UTF-8) as the A-labels DNS
// needs ("bücher.example" -> "xn--bcher-kva.example"), with libidn2
// (IDNA2008, non-transitional). ASCII names pass unchanged.
absl::StatusOr<std::string> ToAscii(absl::string_view name) {
  bool ascii = true;
  for (char c : name) ascii &= (c & 0x80) == 0;
  if (ascii) return std::string(name);
  char* out = nullptr;
  const std::string in(name);
  const int rc = idn2_to_ascii_8z(in.c_str(), &out, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  if (rc != IDN2_OK) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a valid internationalised domain name (", idn2_strerror(rc), ")"));
  }
  std::string result(out);
  idn2_free(out);
  return result;
}

}  // namespace

absl::StatusOr<uint16_t> ParsePort(absl::string_view text) {
  for (const ServiceName& s : kServices) {
    if (absl::EqualsIgnoreCase(text, s.name)) return s.port;
  }
  uint32_t n = 0;
  if (text.empty() || text.size() > 5 || !absl::ascii_isdigit(static_cast<unsigned char>(text[0])) ||
      !absl::SimpleAtoi(text, &n) || n < 1 || n > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad port '", text, "' (use 1-65535 or smtp, submission, submissions)"));
  }
  return static_cast<uint16_t>(n);
}

absl::StatusOr<NextHop> ParseNextHop(absl::string_view text) {
  if (text.empty()) return absl::InvalidArgumentError("invalid next hop: empty");
  if (std::string cc = FirstControlCharacter(text); !cc.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid next hop: contains a control character (", cc, ")"));
  }
  if (text.size() > kMaxNextHopLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid next hop: longer than ", kMaxNextHopLength, " characters (", text.size(), ")"));
  }
  for (char c : text) {
    if (c == ' ') return Invalid(text, "contains white space");
  }

  NextHop hop;
  absl::string_view host_part;
  absl::string_view rest;
  if (text.front() == '[') {
    size_t close = text.find(']');
    if (close == absl::string_view::npos) return Invalid(text, "missing ']'");
    host_part = text.substr(1, close - 1);
    rest = text.substr(close + 1);
    if (host_part.empty()) return Invalid(text, "nothing between '[' and ']'");
    if (absl::StartsWithIgnoreCase(host_part, "ipv6:")) {
      std::string a = CanonicalAddress(IpFamily::kV6, host_part.substr(5));
      if (a.empty()) return Invalid(text, "not a valid IPv6 address");
      hop.kind = NextHop::Kind::kIpv6;
      hop.host = a;
    } else if (absl::StrContains(host_part, ':')) {
      std::string a = CanonicalAddress(IpFamily::kV6, host_part);
      if (a.empty()) return Invalid(text, "not a valid IPv6 address");
      hop.kind = NextHop::Kind::kIpv6;
      hop.host = a;
    } else if (LooksNumeric(host_part)) {
      std::string a = CanonicalAddress(IpFamily::kV4, host_part);
      if (a.empty()) return Invalid(text, "not a valid IPv4 address");
      hop.kind = NextHop::Kind::kIpv4;
      hop.host = a;
    } else {
      auto ascii = ToAscii(host_part);
      if (!ascii.ok()) return Invalid(text, ascii.status().message());
      if (absl::Status s = ValidateDomainName(*ascii); !s.ok()) return Invalid(text, s.message());
      hop.kind = NextHop::Kind::kHost;
      hop.host = CanonicalDomainName(*ascii);
    }
    if (!rest.empty() && rest.front() != ':') return Invalid(text, "unexpected text after ']'");
  } else {
    size_t colon = text.find(':');
    host_part = text.substr(0, colon);
    rest = colon == absl::string_view::npos ? absl::string_view() : text.substr(colon);
    if (absl::StrContains(rest.substr(rest.empty() ? 0 : 1), ':') ||
        !CanonicalAddress(IpFamily::kV6, text).empty()) {
      return Invalid(text, "an IPv6 address must be in brackets: [ipv6:address]");
    }
    if (!CanonicalAddress(IpFamily::kV4, host_part).empty()) {
      return Invalid(text, absl::StrCat("an IP address must be in brackets: [", host_part, "]"));
    }
    auto ascii = ToAscii(host_part);
    if (!ascii.ok()) return Invalid(text, ascii.status().message());
    if (absl::Status s = ValidateDomainName(*ascii); !s.ok()) return Invalid(text, s.message());
    hop.kind = NextHop::Kind::kDomain;
    hop.host = CanonicalDomainName(*ascii);
  }
  if (!rest.empty()) {
    auto port = ParsePort(rest.substr(1));
    if (!port.ok()) return Invalid(text, port.status().message());
    hop.port = *port;
    hop.port_given = true;
  }
  return hop;
}

std::string NextHop::ToString() const {
  std::string s;
  switch (kind) {
    case Kind::kDomain: s = host; break;
    case Kind::kHost:
    case Kind::kIpv4: s = absl::StrCat("[", host, "]"); break;
    case Kind::kIpv6: s = absl::StrCat("[ipv6:", host, "]"); break;
  }
  if (port_given) absl::StrAppend(&s, ":", port);
  return s;
}

}  // namespace mxd
