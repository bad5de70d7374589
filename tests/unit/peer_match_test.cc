#include "delivery-svc/engine/peer_match.h"

#include "gtest/gtest.h"

namespace mxd {
namespace {

TEST(PeerMatch, NamesDomainsAndNetworks) {
  const PeerList list({"mx.example.com", ".sub.example.org", "example.net", "192.0.2.0/24", "[2001:db8::]/32",
                       "198.51.100.7"});
  EXPECT_TRUE(list.Matches("MX.example.com", "203.0.113.1"));
  EXPECT_FALSE(list.Matches("mx2.example.com", "203.0.113.1"));
  EXPECT_TRUE(list.Matches("a.sub.example.org", "203.0.113.1"));
  EXPECT_FALSE(list.Matches("sub.example.org", "203.0.113.1"));
  EXPECT_TRUE(list.Matches("example.net", "203.0.113.1"));
  EXPECT_TRUE(list.Matches("mail.example.net", "203.0.113.1"));
  EXPECT_FALSE(list.Matches("badexample.net", "203.0.113.1"));
  EXPECT_TRUE(list.Matches("x", "192.0.2.200"));
  EXPECT_FALSE(list.Matches("x", "192.0.3.1"));
  EXPECT_TRUE(list.Matches("x", "2001:db8:ffff::1"));
  EXPECT_FALSE(list.Matches("x", "2001:db9::1"));
  EXPECT_TRUE(list.Matches("x", "198.51.100.7"));
  EXPECT_FALSE(list.Matches("x", "198.51.100.8"));
  EXPECT_FALSE(PeerList().Matches("mx.example.com", "192.0.2.1"));
}

}  // namespace
}  // namespace mxd
