#include "delivery-svc/peer_match.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/net/ip_network.h"

namespace mxd {
namespace {

bool InNetwork(const std::string& pattern, const std::string& ip) {
  absl::StatusOr<IpNetwork> net = IpNetwork::Parse(pattern);
  return net.ok() && net->Contains(ip);
}

}  // namespace

bool PeerMatches(const std::vector<std::string>& patterns, const std::string& host, const std::string& ip) {
  const std::string h = absl::AsciiStrToLower(host);
  for (const std::string& raw : patterns) {
    const std::string p = absl::AsciiStrToLower(raw);
    if (p.empty()) continue;
    if (InNetwork(p, ip)) return true;
    if (p[0] == '.') {
      if (absl::EndsWith(h, p)) return true;
    } else if (h == p || absl::EndsWith(h, "." + p)) {
      return true;
    }
  }
  return false;
}

}  // namespace mxd
