#include "common/net/ip_network.h"

#include <arpa/inet.h>

#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mxd {

absl::StatusOr<IpNetwork> IpNetwork::Parse(absl::string_view text) {
  absl::string_view addr = text;
  int prefix = -1;
  if (const size_t slash = text.rfind('/'); slash != absl::string_view::npos) {
    if (!absl::SimpleAtoi(text.substr(slash + 1), &prefix) || prefix < 0) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': bad prefix length"));
    }
    addr = text.substr(0, slash);
  }
  IpNetwork n;
  bool v4 = false;
  if (!ParseIpAddress(addr, &n.net_, &v4)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a network (e.g. 127.0.0.0/8 or [::1]/128)"));
  }
  const int bits = v4 ? 32 : 128;
  if (prefix < 0) prefix = bits;
  if (prefix > bits) {
    return absl::InvalidArgumentError(absl::StrCat("'", text, "': prefix longer than ", bits, " bits"));
  }
  n.prefix_ = (v4 ? 96 : 0) + prefix;
  // Host bits must be zero, as Postfix requires of mynetworks.
  for (int i = n.prefix_; i < 128; ++i) {
    if ((n.net_[i / 8] >> (7 - i % 8)) & 1) {
      return absl::InvalidArgumentError(absl::StrCat("'", text, "': non-zero host bits"));
    }
  }
  n.text_ = std::string(text);
  return n;
}

bool IpNetwork::Contains(absl::string_view address) const {
  std::array<unsigned char, 16> a;
  bool v4 = false;
  return ParseIpAddress(address, &a, &v4) && Contains(a);
}

bool IpNetwork::Contains(const std::array<unsigned char, 16>& address) const {
  const int whole = prefix_ / 8;
  if (std::memcmp(address.data(), net_.data(), whole) != 0) return false;
  if (prefix_ % 8 == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff00 >> (prefix_ % 8));
  return (address[whole] & mask) == net_[whole];
}

}  // namespace mxd
