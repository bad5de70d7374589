// resolver_prohibited_networks: addresses a domain's DNS answers may not
// send mail to (loopback, link-local, ... by default; KumoMTA calls them
// prohibited_hosts). Anyone on the Internet controls some zone, and its MX
// or A records can point at 127.0.0.1 or a cloud metadata address. Applied
// to MX lists and implicit MX only, after mail-loop truncation; next hops
// an operator or caller wrote as literals are delivered as given.
#pragma once

#include <string>
#include <vector>

#include "common/net/ip_network.h"
#include "resolver-svc/routes/route.h"

namespace mxd {

struct ProhibitedAddress {
  std::string host;
  std::string address;
  std::string network;  // the rule, as configured
};

// Removes each address in `networks` from `routes`, and every route left
// without an address; returns what it removed, in order.
std::vector<ProhibitedAddress> DropProhibitedAddresses(std::vector<Route>& routes,
                                                       const std::vector<IpNetwork>& networks);

// "127.0.0.1 of mx.example.com (127.0.0.0/8), ..." for a reason; at most a
// few named, then how many more.
std::string DescribeProhibited(const std::vector<ProhibitedAddress>& dropped);

}  // namespace mxd
