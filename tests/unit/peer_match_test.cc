#include "delivery-svc/peer_match.h"

#include "gtest/gtest.h"

namespace mxd {
namespace {

TEST(PeerMatch, NamesDomainsAndNetworks) {
  const std::vector<std::string> list = {"mx.example.com", ".sub.example.org", "example.net",
                                         "192.0.2.0/24",   "[2001:db8::]/32",  "198.51.100.7"};
  EXPECT_TRUE(PeerMatches(list, "MX.example.com", "203.0.113.1"));
  EXPECT_FALSE(PeerMatches(list, "mx2.example.com", "203.0.113.1"));
  EXPECT_TRUE(PeerMatches(list, "a.sub.example.org", "203.0.113.1"));
  EXPECT_FALSE(PeerMatches(list, "sub.example.org", "203.0.113.1"));
  EXPECT_TRUE(PeerMatches(list, "example.net", "203.0.113.1"));
  EXPECT_TRUE(PeerMatches(list, "mail.example.net", "203.0.113.1"));
  EXPECT_FALSE(PeerMatches(list, "badexample.net", "203.0.113.1"));
  EXPECT_TRUE(PeerMatches(list, "x", "192.0.2.200"));
  EXPECT_FALSE(PeerMatches(list, "x", "192.0.3.1"));
  EXPECT_TRUE(PeerMatches(list, "x", "2001:db8:ffff::1"));
  EXPECT_FALSE(PeerMatches(list, "x", "2001:db9::1"));
  EXPECT_TRUE(PeerMatches(list, "x", "198.51.100.7"));
  EXPECT_FALSE(PeerMatches(list, "x", "198.51.100.8"));
  EXPECT_FALSE(PeerMatches({}, "mx.example.com", "192.0.2.1"));
}

}  // namespace
}  // namespace mxd
