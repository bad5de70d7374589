#include "common/net/ip_network.h"

#include <gtest/gtest.h>

namespace mxd {
namespace {

IpNetwork Net(absl::string_view text) {
  absl::StatusOr<IpNetwork> n = IpNetwork::Parse(text);
  EXPECT_TRUE(n.ok()) << n.status();
  return *n;
}

TEST(IpNetwork, Ipv4AndIpv6Networks) {
  EXPECT_TRUE(Net("127.0.0.0/8").Contains("127.1.2.3"));
  EXPECT_FALSE(Net("127.0.0.0/8").Contains("128.0.0.1"));
  EXPECT_TRUE(Net("[::1]/128").Contains("::1"));
  EXPECT_TRUE(Net("::1").Contains("[::1]"));
  EXPECT_FALSE(Net("[::1]/128").Contains("::2"));
  EXPECT_TRUE(Net("[fe80::]/10").Contains("fe80::1:2"));
  EXPECT_TRUE(Net("[fe80::]/10").Contains("febf::1"));
  EXPECT_FALSE(Net("[fe80::]/10").Contains("fec0::1"));
  EXPECT_TRUE(Net("192.0.2.7").Contains("192.0.2.7"));
  EXPECT_FALSE(Net("192.0.2.7").Contains("192.0.2.8"));
  EXPECT_TRUE(Net("0.0.0.0/0").Contains("203.0.113.9"));
  EXPECT_TRUE(Net("172.16.0.0/12").Contains("172.31.255.255"));
  EXPECT_FALSE(Net("172.16.0.0/12").Contains("172.32.0.0"));
  EXPECT_FALSE(Net("172.16.0.0/12").Contains("172.15.255.255"));
  EXPECT_FALSE(Net("127.0.0.0/8").Contains("not an address"));
  EXPECT_FALSE(Net("127.0.0.0/8").Contains(""));
}

// IPv4 lives in the IPv4-mapped space: either spelling matches either rule.
TEST(IpNetwork, MappedAddressesAreTheirIpv4Address) {
  EXPECT_TRUE(Net("127.0.0.0/8").Contains("::ffff:127.0.0.1"));
  EXPECT_TRUE(Net("[::ffff:127.0.0.0]/104").Contains("127.0.0.1"));
  EXPECT_TRUE(Net("169.254.0.0/16").Contains("[::ffff:169.254.169.254]"));
  EXPECT_FALSE(Net("[::1]/128").Contains("127.0.0.1"));
}

TEST(IpNetwork, BadNetworksAreRefused) {
  for (absl::string_view bad :
       {"127.0.0.0/33", "[::1]/129", "127.0.0.1/8", "example.com/8", "10.0.0.0/x", "10.0.0.0/-1", "", "/8"}) {
    EXPECT_FALSE(IpNetwork::Parse(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace mxd
