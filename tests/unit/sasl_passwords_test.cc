#include "delivery-svc/sasl/sasl_passwords.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

LookupTable Table(absl::string_view text) {
  absl::StatusOr<LookupTable> t = LookupTable::Parse(text, "/etc/postfix/sasl_passwd");
  EXPECT_TRUE(t.ok()) << t.status();
  return *std::move(t);
}

TEST(SaslPasswords, CredentialsByNexthopOnly) {
  absl::StatusOr<SaslPasswords> p =
      SaslPasswords::FromTable(Table("[relay.example.com]:587 alice:s3cr:et\nexample.net bob:pw\n"));
  ASSERT_TRUE(p.ok()) << p.status();
  std::optional<SaslCredentials> c = p->For("[relay.example.com]:587");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->user, "alice");
  EXPECT_EQ(c->password, "s3cr:et");  // the first colon separates, as in Postfix
  EXPECT_FALSE(p->For("relay.example.com").has_value());
  EXPECT_FALSE(p->For("mx.example.net").has_value());
  EXPECT_THAT(p->Nexthops(), testing::ElementsAre("[relay.example.com]:587", "example.net"));
}

TEST(SaslPasswords, AnEntryWithoutUserNamesItsLineNotItsValue) {
  absl::StatusOr<SaslPasswords> p = SaslPasswords::FromTable(Table("example.net hunter2\n"));
  ASSERT_FALSE(p.ok());
  EXPECT_THAT(p.status().message(), testing::HasSubstr("/etc/postfix/sasl_passwd"));
  EXPECT_THAT(p.status().message(), testing::HasSubstr("expected user:password for \"example.net\""));
  EXPECT_THAT(p.status().message(), testing::Not(testing::HasSubstr("hunter2")));
}

}  // namespace
}  // namespace mxd
