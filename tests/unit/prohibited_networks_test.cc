#include "resolver-svc/routes/prohibited_networks.h"

#include <gtest/gtest.h>

namespace mxd {
namespace {

std::vector<IpNetwork> Rules(std::initializer_list<absl::string_view> texts) {
  std::vector<IpNetwork> out;
  for (absl::string_view t : texts) out.push_back(*IpNetwork::Parse(t));
  return out;
}

Route R(const std::string& host, std::vector<std::string> addresses) {
  Route r;
  r.host = host;
  r.addresses = std::move(addresses);
  return r;
}

TEST(ProhibitedNetworks, DropsAddressesAndEmptyRoutesInOrder) {
  std::vector<Route> routes = {R("mx1.example", {"127.0.0.1", "192.0.2.1"}),
                               R("mx2.example", {"::ffff:127.0.0.2"}),
                               R("mx3.example", {"169.254.169.254", "2001:db8::1"})};
  const std::vector<ProhibitedAddress> dropped =
      DropProhibitedAddresses(routes, Rules({"127.0.0.0/8", "169.254.0.0/16"}));
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].host, "mx1.example");
  EXPECT_EQ(routes[0].addresses, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(routes[1].host, "mx3.example");
  EXPECT_EQ(routes[1].addresses, std::vector<std::string>{"2001:db8::1"});
  ASSERT_EQ(dropped.size(), 3u);
  EXPECT_EQ(DescribeProhibited(dropped),
            "127.0.0.1 of mx1.example (127.0.0.0/8), ::ffff:127.0.0.2 of mx2.example (127.0.0.0/8), "
            "169.254.169.254 of mx3.example (169.254.0.0/16)");
}

TEST(ProhibitedNetworks, NoRulesNoChange) {
  std::vector<Route> routes = {R("mx1.example", {"127.0.0.1"})};
  EXPECT_TRUE(DropProhibitedAddresses(routes, {}).empty());
  EXPECT_EQ(routes.size(), 1u);
}

// A zone with thousands of such addresses gives a reason of bounded size.
TEST(ProhibitedNetworks, TheDescriptionIsBounded) {
  std::vector<Route> routes;
  for (int i = 0; i < 2000; ++i) routes.push_back(R("mx.example", {"127.0.0.1"}));
  const std::vector<ProhibitedAddress> dropped = DropProhibitedAddresses(routes, Rules({"127.0.0.0/8"}));
  EXPECT_TRUE(routes.empty());
  const std::string text = DescribeProhibited(dropped);
  EXPECT_LT(text.size(), 300u);
  EXPECT_NE(text.find("and 1995 more"), std::string::npos);
}

}  // namespace
}  // namespace mxd
