// IP addresses as text, in one place: is this an address, of which family,
// its canonical form, its 16 octets, and SMTP address literals ("[192.0.2.1]",
// "[IPv6:2001:db8::1]", RFC 5321 section 4.1.3). Everything else in mxd asks
// here instead of calling inet_pton itself.
#pragma once

#include <array>
#include <string>

#include "absl/strings/string_view.h"

namespace mxd {

enum class IpFamily { kNone, kV4, kV6 };

// The family of a bare address ("192.0.2.1", "2001:db8::1"); kNone for
// anything else, brackets included.
IpFamily IpAddressFamily(absl::string_view text);
inline bool IsIpAddress(absl::string_view text) { return IpAddressFamily(text) != IpFamily::kNone; }

// An address as 16 octets, IPv4 as IPv4-mapped IPv6 (*is_v4 says which it
// was); "[...]" allowed. False when `s` is not an address.
bool ParseIpAddress(absl::string_view s, std::array<unsigned char, 16>* out, bool* is_v4);

// Octets back to text: IPv4 dotted for IPv4 and IPv4-mapped IPv6, else
// IPv6's canonical form.
std::string IpAddressText(const std::array<unsigned char, 16>& octets);
// Whether the octets hold an IPv4 address (::ffff:a.b.c.d, as ParseIpAddress
// stores one).
bool IsIpv4Mapped(const std::array<unsigned char, 16>& octets);

// The canonical text of an address written as "192.0.2.1", "[192.0.2.1]",
// "2001:DB8:0::1", "[IPv6:2001:db8::1]" or "IPv6:..."; "" when it is none.
std::string CanonicalIpAddress(absl::string_view text);

// The inside of an SMTP address literal: "192.0.2.1" or "IPv6:2001:db8::1".
bool IsAddressLiteral(absl::string_view inside_brackets);

}  // namespace mxd
