// This mail system's own addresses, from inet_interfaces and
// proxy_interfaces, for mail-loop truncation. Read once at start-up.
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace mxd {

// "all" means every interface address (getifaddrs), "loopback-only" means
// 127.0.0.1 and ::1; other entries are addresses or host names.
absl::StatusOr<absl::flat_hash_set<std::string>> FindOwnAddresses(
    const std::vector<std::string>& inet_interfaces, const std::vector<std::string>& proxy_interfaces);

// Whether `address` (canonical text, from DNS) reaches this system, compared
// as an address: an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is its IPv4
// address, and the unspecified addresses (0.0.0.0, ::), which connect to
// the local host, are ours when a loopback address is.
bool IsOwnAddress(const std::string& address, const absl::flat_hash_set<std::string>& own);

}  // namespace mxd
