#include "common/nexthop/ip_literal.h"

#include <netinet/in.h>

#include "common/net/socket_address.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

TEST(IpLiteral, FamiliesAndCanonicalText) {
  EXPECT_EQ(IpAddressFamily("192.0.2.1"), IpFamily::kV4);
  EXPECT_EQ(IpAddressFamily("2001:DB8::1"), IpFamily::kV6);
  EXPECT_EQ(IpAddressFamily("[192.0.2.1]"), IpFamily::kNone);  // brackets are not an address
  EXPECT_EQ(IpAddressFamily("mx.example.com"), IpFamily::kNone);
  EXPECT_EQ(IpAddressFamily("192.0.2"), IpFamily::kNone);
  EXPECT_EQ(IpAddressFamily(std::string(200, '1')), IpFamily::kNone);
  EXPECT_FALSE(IsIpAddress(""));
  EXPECT_EQ(CanonicalIpAddress("[IPv6:2001:DB8:0::1]"), "2001:db8::1");
  EXPECT_EQ(CanonicalIpAddress("[192.0.2.1]"), "192.0.2.1");
  EXPECT_EQ(CanonicalIpAddress("ipv6:::1"), "::1");
  EXPECT_EQ(CanonicalIpAddress("example.com"), "");
}

TEST(IpLiteral, OctetsAndBack) {
  std::array<unsigned char, 16> o;
  bool v4 = false;
  ASSERT_TRUE(ParseIpAddress("[127.0.0.1]", &o, &v4));
  EXPECT_TRUE(v4);
  EXPECT_EQ(IpAddressText(o), "127.0.0.1");
  ASSERT_TRUE(ParseIpAddress("::ffff:127.0.0.1", &o, &v4));
  EXPECT_FALSE(v4);
  EXPECT_EQ(IpAddressText(o), "127.0.0.1");  // IPv4-mapped is the IPv4 address
  ASSERT_TRUE(ParseIpAddress("2001:db8::1", &o, &v4));
  EXPECT_EQ(IpAddressText(o), "2001:db8::1");
  EXPECT_FALSE(ParseIpAddress("[]", &o, &v4));
}

TEST(IpLiteral, SmtpAddressLiterals) {
  EXPECT_TRUE(IsAddressLiteral("192.0.2.1"));
  EXPECT_TRUE(IsAddressLiteral("IPv6:2001:db8::1"));
  EXPECT_TRUE(IsAddressLiteral("ipv6:::1"));
  EXPECT_FALSE(IsAddressLiteral("2001:db8::1"));  // RFC 5321: IPv6 needs its tag
  EXPECT_FALSE(IsAddressLiteral("IPv6:192.0.2.1"));
  EXPECT_FALSE(IsAddressLiteral("example.com"));
}

TEST(SocketAddress, BothFamiliesAndNothingElse) {
  sockaddr_storage ss;
  socklen_t len = 0;
  ASSERT_TRUE(ToSocketAddress("192.0.2.1", 25, &ss, &len));
  EXPECT_EQ(ss.ss_family, AF_INET);
  EXPECT_EQ(len, sizeof(sockaddr_in));
  EXPECT_EQ(ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port), 25);
  ASSERT_TRUE(ToSocketAddress("::1", 587, &ss, &len));
  EXPECT_EQ(ss.ss_family, AF_INET6);
  EXPECT_EQ(len, sizeof(sockaddr_in6));
  EXPECT_FALSE(ToSocketAddress("[::1]", 25, &ss, &len));
  EXPECT_FALSE(ToSocketAddress("mx.example.com", 25, &ss, &len));
}

}  // namespace
}  // namespace mxd
