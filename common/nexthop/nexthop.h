// Next hops in Postfix's syntax, parsed without any I/O:
//   example.com            MX lookup
//   [mail.example.com]     that host only, no MX lookup
//   [192.0.2.1]            IPv4 literal
//   [2001:db8::1]          IPv6 literal (also [ipv6:2001:db8::1])
// each with an optional ":port" (a number or smtp, submission, submissions).
// Internationalised names (UTF-8) become A-labels (libidn2).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mxd {

inline constexpr size_t kMaxNextHopLength = 300;

struct NextHop {
  enum class Kind {
    kDomain,  // MX lookup
    kHost,    // bracketed host name: A/AAAA only
    kIpv4,
    kIpv6,
  };
  Kind kind = Kind::kDomain;
  // Lower-cased name without trailing dot, or the address in canonical text.
  std::string host;
  uint16_t port = 25;
  bool port_given = false;

  bool mx_lookup() const { return kind == Kind::kDomain; }
  bool is_literal() const { return kind == Kind::kIpv4 || kind == Kind::kIpv6; }
  // Canonical Postfix form: "example.com", "[mx.example.com]:587", "[ipv6:2001:db8::1]".
  std::string ToString() const;
};

// INVALID_ARGUMENT with a message that names what is wrong.
absl::StatusOr<NextHop> ParseNextHop(absl::string_view text);

// A port given as a number (1-65535) or a well-known SMTP service name.
absl::StatusOr<uint16_t> ParsePort(absl::string_view text);

}  // namespace mxd
