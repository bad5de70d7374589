#include "delivery-svc/engine/peer_match.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace mxd {

PeerList::PeerList(const std::vector<std::string>& patterns) {
  for (const std::string& raw : patterns) {
    std::string p = absl::AsciiStrToLower(raw);
    if (p.empty()) continue;
    if (absl::StatusOr<IpNetwork> net = IpNetwork::Parse(p); net.ok()) {
      networks_.push_back(*std::move(net));
    } else {
      names_.push_back(std::move(p));
    }
  }
}

bool PeerList::Matches(const std::string& host, const std::string& ip) const {
  for (const IpNetwork& net : networks_) {
    if (net.Contains(ip)) return true;
  }
  const std::string h = absl::AsciiStrToLower(host);
  for (const std::string& p : names_) {
    if (p[0] == '.') {
      if (absl::EndsWith(h, p)) return true;
    } else if (h == p || absl::EndsWith(h, "." + p)) {
      return true;
    }
  }
  return false;
}

}  // namespace mxd
