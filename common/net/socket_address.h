// An IP address and port as the sockaddr connect(2) takes.
#pragma once

#include <sys/socket.h>

#include <cstdint>

#include "absl/strings/string_view.h"

namespace mxd {

// False when `ip` is not an address (common/nexthop/ip_literal.h decides).
bool ToSocketAddress(absl::string_view ip, uint16_t port, sockaddr_storage* out, socklen_t* len);

}  // namespace mxd
