// An IP network in Postfix's notation ("127.0.0.0/8", "[::1]/128", a bare
// address for a single host), and whether an address is in it. IPv4 is
// compared in its IPv4-mapped IPv6 form, so ::ffff:127.0.0.1 is in
// 127.0.0.0/8 and 127.0.0.1 is in [::ffff:127.0.0.0]/104.
#pragma once

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/nexthop/ip_literal.h"  // ParseIpAddress

namespace mxd {

class IpNetwork {
 public:
  static absl::StatusOr<IpNetwork> Parse(absl::string_view text);
  // False for text that is not an address ("[...]" allowed).
  bool Contains(absl::string_view address) const;
  // The same for an address already parsed by ParseIpAddress (a caller
  // checking one address against many networks parses it once).
  bool Contains(const std::array<unsigned char, 16>& address) const;
  // As written in the configuration, for messages.
  const std::string& text() const { return text_; }

 private:
  std::array<unsigned char, 16> net_{};
  int prefix_ = 128;  // in the 128-bit (mapped) space
  std::string text_;
};

}  // namespace mxd
