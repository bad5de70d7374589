// This mail system's own addresses, from inet_interfaces and
// proxy_interfaces, for mail-loop truncation. Read once at start-up.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mxd {

// Addresses as octets, IPv4 as IPv4-mapped IPv6 (ParseIpAddress): compared
// without turning each address from DNS into text again.
using OwnAddresses = absl::flat_hash_set<std::array<unsigned char, 16>>;

// "all" means every interface address (getifaddrs), "loopback-only" means
// 127.0.0.1 and ::1; other entries are addresses or host names.
absl::StatusOr<OwnAddresses> FindOwnAddresses(const std::vector<std::string>& inet_interfaces,
                                              const std::vector<std::string>& proxy_interfaces);

// Whether `address` (canonical text, from DNS) reaches this system, compared
// as an address: an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4
// address, and the unspecified addresses (0.0.0.0, ::), which connect to
// the local host, are ours when a loopback address is.
bool IsOwnAddress(absl::string_view address, const OwnAddresses& own);

}  // namespace mxd
