// Matching a server against a Postfix-style list (debug_peer_list): host
// names ("mx.example.com"), parent domains ("example.com" matches its
// subdomains too, ".example.com" only them), addresses and networks
// ("192.0.2.0/24", "[2001:db8::]/32").
#pragma once

#include <string>
#include <vector>

namespace mxd {

bool PeerMatches(const std::vector<std::string>& patterns, const std::string& host, const std::string& ip);

}  // namespace mxd
