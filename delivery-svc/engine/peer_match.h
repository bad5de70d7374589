// Matching a server against a Postfix-style list (debug_peer_list): host
// names ("mx.example.com"), parent domains ("example.com" matches its
// subdomains too, ".example.com" only them), addresses and networks
// ("192.0.2.0/24", "[2001:db8::]/32"). Parsed once, when the settings are
// built, and matched per session.
#pragma once

#include <string>
#include <vector>

#include "common/net/ip_network.h"

namespace mxd {

class PeerList {
 public:
  PeerList() = default;
  explicit PeerList(const std::vector<std::string>& patterns);

  bool empty() const { return networks_.empty() && names_.empty(); }
  bool Matches(const std::string& host, const std::string& ip) const;

 private:
  std::vector<IpNetwork> networks_;
  std::vector<std::string> names_;  // lower case; ".domain" or "name"
};

}  // namespace mxd
