#include "resolver-svc/routes/prohibited_networks.h"

#include "absl/strings/str_cat.h"

namespace mxd {

std::vector<ProhibitedAddress> DropProhibitedAddresses(std::vector<Route>& routes,
                                                       const std::vector<IpNetwork>& networks) {
  std::vector<ProhibitedAddress> dropped;
  if (networks.empty()) return dropped;
  std::vector<Route> kept;
  kept.reserve(routes.size());
  for (Route& r : routes) {
    std::vector<std::string> allowed;
    for (std::string& a : r.addresses) {
      const IpNetwork* rule = nullptr;
      std::array<unsigned char, 16> parsed;
      bool v4 = false;
      // Parsed once for all networks; what is not an address is no network's.
      const bool is_address = ParseIpAddress(a, &parsed, &v4);
      for (const IpNetwork& n : networks) {
        if (is_address && n.Contains(parsed)) {
          rule = &n;
          break;
        }
      }
      if (rule == nullptr) {
        allowed.push_back(std::move(a));
      } else {
        dropped.push_back({r.host, std::move(a), rule->text()});
      }
    }
    r.addresses = std::move(allowed);
    if (!r.addresses.empty()) kept.push_back(std::move(r));
  }
  routes = std::move(kept);
  return dropped;
}

std::string DescribeProhibited(const std::vector<ProhibitedAddress>& dropped) {
  constexpr size_t kNamed = 5;
  std::string out;
  for (size_t i = 0; i < dropped.size() && i < kNamed; ++i) {
    absl::StrAppend(&out, i ? ", " : "", dropped[i].address, " of ", dropped[i].host, " (",
                    dropped[i].network, ")");
  }
  if (dropped.size() > kNamed) absl::StrAppend(&out, " and ", dropped.size() - kNamed, " more");
  return out;
}

}  // namespace mxd
