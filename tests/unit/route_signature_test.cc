#include "common/security/route_signature.h"

#include <gtest/gtest.h>

#include <functional>

namespace mxd {
namespace {

const int64_t kExpires = 2000000000;
const absl::Time kBefore = absl::FromUnixSeconds(kExpires - 10);

RouteSetMessage Message(const std::function<void(RouteSetMessage&)>& more = nullptr,
                        absl::string_view nexthop = "example.com", int64_t expires = kExpires) {
  RouteSetMessage m(nexthop, expires);
  m.AddRoute("mx1.example.com", 10, 25, false);
  m.AddAddress("192.0.2.1");
  m.AddAddress("2001:db8::1");
  if (more) more(m);
  return m;
}

RouteKey Key(absl::string_view text = "0123456789abcdef0123456789abcdef\n") {
  return *RouteKey::FromFileContents(text, "/etc/mxd/route.key");
}

TEST(RouteSignature, ASignedSetChecksUntilItExpires) {
  const RouteKey key = Key();
  const std::string mac = key.Sign(Message());
  EXPECT_EQ(mac.size(), 32u);
  EXPECT_TRUE(key.Check(Message(), mac, kExpires, kBefore).ok());
  const absl::Status late = key.Check(Message(), mac, kExpires, absl::FromUnixSeconds(kExpires + 1));
  EXPECT_EQ(late.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(late.message().find("expired"), absl::string_view::npos);
}

// Every field counts: a changed next hop, expiry, route, port, preference,
// fallback flag, address, or an added address or route no longer matches.
TEST(RouteSignature, AnyChangeIsRefused) {
  const RouteKey key = Key();
  const std::string mac = key.Sign(Message());
  const std::vector<RouteSetMessage> altered = {
      Message(nullptr, "example.net"),
      Message(nullptr, "example.com", kExpires + 3600),
      Message([](RouteSetMessage& m) { m.AddAddress("198.51.100.7"); }),
      Message([](RouteSetMessage& m) { m.AddRoute("evil.example", 20, 25, true); }),
  };
  for (const RouteSetMessage& m : altered) {
    const absl::Status s = key.Check(m, mac, kExpires, kBefore);
    EXPECT_EQ(s.code(), absl::StatusCode::kPermissionDenied);
    EXPECT_NE(s.message().find("does not match"), absl::string_view::npos) << s;
  }
  for (auto [pref, port, fallback] : {std::tuple{11u, 25u, false}, {10u, 2525u, false}, {10u, 25u, true}}) {
    RouteSetMessage m("example.com", kExpires);
    m.AddRoute("mx1.example.com", pref, port, fallback);
    m.AddAddress("192.0.2.1");
    m.AddAddress("2001:db8::1");
    EXPECT_FALSE(key.Check(m, mac, kExpires, kBefore).ok());
  }
  // Field boundaries are part of the message: "ab"+"c" is not "a"+"bc".
  RouteSetMessage a("x", kExpires), b("x", kExpires);
  a.AddRoute("ab", 0, 25, false);
  a.AddAddress("c");
  b.AddRoute("a", 0, 25, false);
  b.AddAddress("bc");
  EXPECT_NE(a.bytes(), b.bytes());
}

TEST(RouteSignature, UnsignedOrAnotherKeysSetIsRefused) {
  const RouteKey key = Key();
  const absl::Status unsigned_set = key.Check(Message(), "", kExpires, kBefore);
  EXPECT_EQ(unsigned_set.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_NE(unsigned_set.message().find("not signed"), absl::string_view::npos);
  const std::string other = Key("another key, also thirty-two octets long").Sign(Message());
  EXPECT_FALSE(key.Check(Message(), other, kExpires, kBefore).ok());
  EXPECT_FALSE(key.Check(Message(), other.substr(0, 16), kExpires, kBefore).ok());
}

TEST(RouteSignature, ShortKeysAreRefusedByName) {
  absl::StatusOr<RouteKey> k = RouteKey::FromFileContents("  short key \n", "/etc/mxd/route.key");
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.status().message().find("route_key_file /etc/mxd/route.key"), absl::string_view::npos);
  EXPECT_NE(k.status().message().find("not 9"), absl::string_view::npos);
  // White space around the key is not part of it.
  EXPECT_EQ(Key("0123456789abcdef0123456789abcdef").Sign(Message()),
            Key("  0123456789abcdef0123456789abcdef\r\n").Sign(Message()));
}

}  // namespace
}  // namespace mxd
