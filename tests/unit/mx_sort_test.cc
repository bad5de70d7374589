#include "resolver-svc/routes/mx_sort.h"

#include <set>

#include "absl/random/random.h"
#include "gtest/gtest.h"
#include "resolver-svc/routes/own_addresses.h"

namespace mxd {
namespace {

// Addresses as FindOwnAddresses reads them from inet_interfaces.
OwnAddresses Own(const std::vector<std::string>& addresses) {
  absl::StatusOr<OwnAddresses> own = FindOwnAddresses(addresses, {});
  EXPECT_TRUE(own.ok()) << own.status();
  return own.ok() ? *own : OwnAddresses();
}

TEST(SortMx, ByPreferenceWithRandomOrderAmongEquals) {
  absl::BitGen gen;
  std::set<std::string> firsts;
  for (int i = 0; i < 200; ++i) {
    std::vector<MxRecord> mx = {{20, "c"}, {10, "a"}, {30, "d"}, {10, "b"}};
    SortMxRecords(mx, gen);
    ASSERT_EQ(mx.size(), 4u);
    EXPECT_EQ(mx[0].preference, 10);
    EXPECT_EQ(mx[1].preference, 10);
    EXPECT_EQ(mx[2].host, "c");
    EXPECT_EQ(mx[3].host, "d");
    firsts.insert(mx[0].host);
  }
  // Both equal-preference hosts come first some of the time (p of failure 2^-199).
  EXPECT_EQ(firsts, (std::set<std::string>{"a", "b"}));
}

TEST(NullMx, OnlyASingleRootRecord) {
  EXPECT_TRUE(IsNullMx({{0, ""}}));
  EXPECT_FALSE(IsNullMx({{0, ""}, {10, "mx.example"}}));
  EXPECT_FALSE(IsNullMx({{0, "mx.example"}}));
  std::vector<MxRecord> mixed = {{0, ""}, {10, "mx.example"}};
  DropRootTargets(mixed);
  ASSERT_EQ(mixed.size(), 1u);
  EXPECT_EQ(mixed[0].host, "mx.example");
}

std::vector<Route> Routes() {
  return {{"mx1", 10, 25, {"192.0.2.1"}, false},
          {"mx2", 10, 25, {"192.0.2.2"}, false},
          {"mx3", 20, 25, {"192.0.2.3", "2001:db8::3"}, false},
          {"mx4", 30, 25, {"192.0.2.4"}, false}};
}

TEST(TruncateAtSelf, KeepsOnlyStrictlyBetterPreferences) {
  std::vector<Route> r = Routes();
  TruncateResult t = TruncateAtSelf(r, Own({"2001:db8::3"}));
  EXPECT_TRUE(t.found_myself);
  EXPECT_EQ(t.my_preference, 20u);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].host, "mx1");
  EXPECT_EQ(r[1].host, "mx2");
}

TEST(TruncateAtSelf, EqualPreferenceHostsGoToo) {
  std::vector<Route> r = Routes();
  TruncateResult t = TruncateAtSelf(r, Own({"192.0.2.2"}));
  EXPECT_TRUE(t.found_myself);
  EXPECT_TRUE(r.empty());  // mx1 has the same preference as us: it is our peer, not better
}

TEST(TruncateAtSelf, NothingOfOursLeavesTheListAlone) {
  std::vector<Route> r = Routes();
  TruncateResult t = TruncateAtSelf(r, Own({"127.0.0.1", "::1"}));
  EXPECT_FALSE(t.found_myself);
  EXPECT_EQ(r.size(), 4u);
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

// Our addresses compared as addresses, not strings.
TEST(OwnAddress, MappedAndUnspecifiedForms) {
  const OwnAddresses own = Own({"127.0.0.1", "192.0.2.5"});
  EXPECT_TRUE(IsOwnAddress("127.0.0.1", own));
  EXPECT_TRUE(IsOwnAddress("::ffff:127.0.0.1", own));
  EXPECT_TRUE(IsOwnAddress("::ffff:192.0.2.5", own));
  EXPECT_TRUE(IsOwnAddress("0.0.0.0", own));  // reaches the local host, where a loopback is ours
  EXPECT_TRUE(IsOwnAddress("::", own));
  EXPECT_FALSE(IsOwnAddress("192.0.2.6", own));
  EXPECT_FALSE(IsOwnAddress("::ffff:192.0.2.6", own));
  EXPECT_TRUE(IsOwnAddress("[::ffff:192.0.2.5]", own));
  EXPECT_FALSE(IsOwnAddress("not an address", own));
  EXPECT_TRUE(IsOwnAddress("::1", Own({"loopback-only"})));
  EXPECT_TRUE(IsOwnAddress("::", Own({"::1"})));
  const OwnAddresses public_only = Own({"192.0.2.5"});
  EXPECT_FALSE(IsOwnAddress("0.0.0.0", public_only));
  EXPECT_FALSE(IsOwnAddress("::", public_only));
}

}  // namespace
}  // namespace mxd
