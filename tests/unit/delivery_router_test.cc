#include "cli/client/delivery_router.h"

#include <algorithm>
#include <map>

#include "gtest/gtest.h"

namespace mxd::client {
namespace {

TEST(DeliveryRouter, SameNextHopSameReplicaWhateverTheOrder) {
  auto a = DeliveryRouter::Create("10.0.0.1:1,10.0.0.2:1,10.0.0.3:1");
  auto b = DeliveryRouter::Create("10.0.0.3:1, 10.0.0.1:1,10.0.0.2:1");
  ASSERT_TRUE(a.ok() && b.ok());
  for (const char* hop : {"example.com", "gmail.com", "[192.0.2.1]:25", "outlook.com"}) {
    auto ca = (*a)->Candidates(hop);
    EXPECT_EQ(ca, (*b)->Candidates(hop)) << hop;
    EXPECT_EQ(ca.size(), 3u);  // every replica, the owner first, for failover
  }
}

TEST(DeliveryRouter, SpreadsNextHopsAndMovesFewWhenAReplicaGoes) {
  auto three = DeliveryRouter::Create("a:1,b:1,c:1");
  auto two = DeliveryRouter::Create("a:1,b:1");
  ASSERT_TRUE(three.ok() && two.ok());
  std::map<std::string, int> load;
  int moved = 0;
  const int n = 3000;
  for (int i = 0; i < n; ++i) {
    const std::string hop = "domain" + std::to_string(i) + ".example";
    const std::string owner = (*three)->Candidates(hop)[0];
    ++load[owner];
    // Consistent hashing: with c gone, only c's next hops move.
    const std::string after = (*two)->Candidates(hop)[0];
    if (owner != "c:1") {
      EXPECT_EQ(after, owner) << hop;
    }
    moved += owner != after;
  }
  for (const auto& [endpoint, count] : load) {
    EXPECT_GT(count, n / 3 * 0.7) << endpoint;
    EXPECT_LT(count, n / 3 * 1.3) << endpoint;
  }
  EXPECT_EQ(moved, load["c:1"]);
}

TEST(DeliveryRouter, StableHashIsStable) {
  // The first 8 octets of SHA-256("example.com"): the same in every process.
  EXPECT_EQ(StableHash("example.com"), 0xa379a6f6eeafb9a5ull);
  EXPECT_NE(StableHash("example.com"), StableHash("example.org"));
}

TEST(DeliveryRouter, RejectsEmptyEndpointLists) {
  EXPECT_FALSE(DeliveryRouter::Create("").ok());
  EXPECT_FALSE(DeliveryRouter::Create(" , ").ok());
}

}  // namespace
}  // namespace mxd::client

namespace mxd::client {
namespace {

TEST(DeliveryRouter, DnsNameGivesEveryAddress) {
  // localhost comes from /etc/hosts, like a headless Service's addresses from DNS.
  auto r = DeliveryRouter::Create("dns:localhost:10052");
  ASSERT_TRUE(r.ok()) << r.status();
  const auto& e = (*r)->endpoints();
  EXPECT_NE(std::find(e.begin(), e.end(), "127.0.0.1:10052"), e.end());
  EXPECT_FALSE(DeliveryRouter::Create("dns:no-such-host.invalid:1").ok());
}

}  // namespace
}  // namespace mxd::client
