#include "common/nexthop/nexthop.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;

NextHop Parse(const std::string& s) {
  auto h = ParseNextHop(s);
  EXPECT_TRUE(h.ok()) << s << ": " << h.status();
  return h.value_or(NextHop{});
}

std::string Error(const std::string& s) {
  auto h = ParseNextHop(s);
  EXPECT_FALSE(h.ok()) << s << " parsed as " << (h.ok() ? h->ToString() : "");
  EXPECT_EQ(h.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(h.status().message());
}

TEST(NextHop, DomainIsMxLookupOnPort25) {
  NextHop h = Parse("Example.COM.");
  EXPECT_EQ(h.kind, NextHop::Kind::kDomain);
  EXPECT_TRUE(h.mx_lookup());
  EXPECT_EQ(h.host, "example.com");
  EXPECT_EQ(h.port, 25);
  EXPECT_FALSE(h.port_given);
  EXPECT_EQ(h.ToString(), "example.com");
}

TEST(NextHop, DomainWithPort) {
  NextHop h = Parse("example.com:2525");
  EXPECT_EQ(h.kind, NextHop::Kind::kDomain);
  EXPECT_EQ(h.port, 2525);
  EXPECT_EQ(h.ToString(), "example.com:2525");
}

TEST(NextHop, BracketedHostSkipsMx) {
  NextHop h = Parse("[mail.example.com]:submission");
  EXPECT_EQ(h.kind, NextHop::Kind::kHost);
  EXPECT_FALSE(h.mx_lookup());
  EXPECT_EQ(h.host, "mail.example.com");
  EXPECT_EQ(h.port, 587);
  EXPECT_EQ(h.ToString(), "[mail.example.com]:587");
}

TEST(NextHop, Ipv4Literal) {
  NextHop h = Parse("[192.0.2.1]");
  EXPECT_EQ(h.kind, NextHop::Kind::kIpv4);
  EXPECT_TRUE(h.is_literal());
  EXPECT_EQ(h.host, "192.0.2.1");
  EXPECT_EQ(h.ToString(), "[192.0.2.1]");
}

TEST(NextHop, Ipv6LiteralBothSpellingsCanonicalised) {
  NextHop a = Parse("[2001:DB8:0::1]:26");
  NextHop b = Parse("[ipv6:2001:db8::1]:26");
  EXPECT_EQ(a.kind, NextHop::Kind::kIpv6);
  EXPECT_EQ(a.host, "2001:db8::1");
  EXPECT_EQ(b.host, "2001:db8::1");
  EXPECT_EQ(a.port, 26);
  EXPECT_EQ(a.ToString(), "[ipv6:2001:db8::1]:26");
}

TEST(NextHop, ServiceNamesAndPortRange) {
  EXPECT_EQ(Parse("[h.example]:smtp").port, 25);
  EXPECT_EQ(Parse("[h.example]:submissions").port, 465);
  EXPECT_EQ(Parse("h.example:1").port, 1);
  EXPECT_EQ(Parse("h.example:65535").port, 65535);
  EXPECT_THAT(Error("h.example:0"), HasSubstr("bad port '0'"));
  EXPECT_THAT(Error("h.example:65536"), HasSubstr("bad port '65536'"));
  EXPECT_THAT(Error("h.example:abc"), HasSubstr("bad port 'abc'"));
  EXPECT_THAT(Error("h.example:"), HasSubstr("bad port ''"));
  EXPECT_THAT(Error("h.example:+25"), HasSubstr("bad port"));
}

TEST(NextHop, RejectsEmptyAndControlCharacters) {
  EXPECT_THAT(Error(""), HasSubstr("empty"));
  EXPECT_THAT(Error(std::string("exa\0mple.com", 12)), HasSubstr("control character (0x00)"));
  EXPECT_THAT(Error("example.com\r\nRCPT TO:<x>"), HasSubstr("control character (0x0d)"));
  EXPECT_THAT(Error("example.com\n"), HasSubstr("control character (0x0a)"));
  EXPECT_THAT(Error("exa mple.com"), HasSubstr("white space"));
}

TEST(NextHop, RejectsBadNames) {
  EXPECT_THAT(Error("a..b"), HasSubstr("empty label"));
  EXPECT_THAT(Error("-a.example"), HasSubstr("starts or ends with '-'"));
  EXPECT_THAT(Error("a!b.example"), HasSubstr("invalid character '!'"));
  EXPECT_THAT(Error(std::string(64, 'a') + ".example"), HasSubstr("longer than 63"));
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcde.";
  long_name += "com";  // 303 characters
  EXPECT_THAT(Error(long_name), HasSubstr("longer than 300"));
  std::string name254;
  while (name254.size() < 250) name254 += "abcdefghi.";
  name254 += "comx";
  EXPECT_THAT(Error(name254.substr(0, 254)), HasSubstr("longer than 253"));
  EXPECT_THAT(Error("."), HasSubstr("root"));
}

TEST(NextHop, RejectsBadLiterals) {
  EXPECT_THAT(Error("[300.1.1.1]"), HasSubstr("not a valid IPv4 address"));
  EXPECT_THAT(Error("[1.2.3]"), HasSubstr("not a valid IPv4 address"));
  EXPECT_THAT(Error("[2001:db8::zz]"), HasSubstr("not a valid IPv6 address"));
  EXPECT_THAT(Error("[ipv6:192.0.2.1]"), HasSubstr("not a valid IPv6 address"));
  EXPECT_THAT(Error("[]"), HasSubstr("nothing between"));
  EXPECT_THAT(Error("[192.0.2.1"), HasSubstr("missing ']'"));
  EXPECT_THAT(Error("[192.0.2.1]x"), HasSubstr("unexpected text after ']'"));
}

TEST(NextHop, InternationalisedNamesBecomeALabels) {
  EXPECT_EQ(Parse("b\u00fccher.example").host, "xn--bcher-kva.example");
  EXPECT_EQ(Parse("B\u00dcCHER.example:2525").ToString(), "xn--bcher-kva.example:2525");
  NextHop h = Parse("[m\u00fcnchen.example]");
  EXPECT_EQ(h.kind, NextHop::Kind::kHost);
  EXPECT_EQ(h.host, "xn--mnchen-3ya.example");
  EXPECT_THAT(Error("bad\xff\xfe.example"), HasSubstr("internationalised domain name"));
}

TEST(NextHop, UnbracketedAddressesMustBeBracketed) {
  EXPECT_THAT(Error("192.0.2.1"), HasSubstr("must be in brackets: [192.0.2.1]"));
  EXPECT_THAT(Error("192.0.2.1:25"), HasSubstr("must be in brackets"));
  EXPECT_THAT(Error("2001:db8::1"), HasSubstr("IPv6 address must be in brackets"));
  EXPECT_THAT(Error("1.2.3.4.5"), HasSubstr("numeric"));
}

}  // namespace
}  // namespace mxd
