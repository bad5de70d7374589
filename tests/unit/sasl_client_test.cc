// The SASL client (GNU SASL): security options, mechanism choice, and
// whole exchanges against GNU SASL's own server side as the peer.
#include "delivery-svc/sasl/sasl_client.h"

#include <gsasl.h>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;

TEST(SaslSecurityOptions, PostfixDefaultsForbidPlainText) {
  auto o = SaslSecurityOptions::Parse({"noplaintext", "noanonymous"});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->Allows("PLAIN"));
  EXPECT_FALSE(o->Allows("login"));
  EXPECT_FALSE(o->Allows("ANONYMOUS"));
  EXPECT_TRUE(o->Allows("CRAM-MD5"));
  EXPECT_TRUE(o->Allows("SCRAM-SHA-256"));
  auto mutual = SaslSecurityOptions::Parse({"mutual_auth"});
  EXPECT_FALSE(mutual->Allows("CRAM-MD5"));
  EXPECT_TRUE(mutual->Allows("SCRAM-SHA-1"));
  auto active = SaslSecurityOptions::Parse({"noactive"});
  EXPECT_FALSE(active->Allows("CRAM-MD5"));
  EXPECT_TRUE(active->Allows("SCRAM-SHA-256"));
  EXPECT_THAT(SaslSecurityOptions::Parse({"nosuch"}).status().message(),
              HasSubstr("unknown SASL security option \"nosuch\""));
}

class SaslTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = SaslClient::Create();
    ASSERT_TRUE(c.ok());
    client_ = std::move(*c);
  }
  std::unique_ptr<SaslClient> client_;
};

TEST_F(SaslTest, ChoosesTheStrongestAllowedMechanism) {
  const std::vector<std::string> offered = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"};
  SaslSecurityOptions none;
  SaslSecurityOptions noplain = *SaslSecurityOptions::Parse({"noplaintext"});
  EXPECT_EQ(client_->Choose(offered, {}, none), "SCRAM-SHA-256");
  EXPECT_EQ(client_->Choose({"PLAIN", "LOGIN", "CRAM-MD5"}, {}, noplain), "CRAM-MD5");
  EXPECT_EQ(client_->Choose({"PLAIN", "LOGIN"}, {}, noplain), "");
  EXPECT_EQ(client_->Choose(offered, {"plain"}, none), "PLAIN");
  EXPECT_EQ(client_->Choose(offered, {"login", "cram-md5"}, none), "CRAM-MD5");
  EXPECT_EQ(client_->Choose({"GSSAPI-NOT-REALLY"}, {}, none), "");
  EXPECT_EQ(client_->Choose({"GSSAPI", "NTLM", "EXTERNAL", "ANONYMOUS", "LOGIN"}, {}, none), "LOGIN");
}

TEST_F(SaslTest, PlainInitialResponse) {
  auto x = client_->Start("PLAIN", {"alice", "pw"}, "mx.example");
  ASSERT_TRUE(x.ok());
  auto r = (*x)->InitialResponse();
  ASSERT_TRUE(r.ok());
  std::string decoded;
  ASSERT_TRUE(absl::Base64Unescape(*r, &decoded));
  EXPECT_EQ(decoded, std::string("\0alice\0pw", 9));
}

// GNU SASL's server side checks the password: a real peer for the
// challenge-response mechanisms.
int ServerCallback(Gsasl*, Gsasl_session* s, Gsasl_property prop) {
  if (prop == GSASL_PASSWORD) return gsasl_property_set(s, GSASL_PASSWORD, "right");
  if (prop == GSASL_VALIDATE_SIMPLE) {
    const char* pw = gsasl_property_fast(s, GSASL_PASSWORD);
    return pw && std::string(pw) == "right" ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
  }
  return GSASL_NO_CALLBACK;
}

// Runs one exchange; true when the server accepted.
bool Exchange(SaslClient* client, const std::string& mech, const std::string& password) {
  Gsasl* ctx = nullptr;
  gsasl_init(&ctx);
  gsasl_callback_set(ctx, ServerCallback);
  Gsasl_session* server = nullptr;
  EXPECT_EQ(gsasl_server_start(ctx, mech.c_str(), &server), GSASL_OK);
  gsasl_property_set(server, GSASL_SERVICE, "smtp");
  gsasl_property_set(server, GSASL_HOSTNAME, "mx.example");
  auto x = client->Start(mech, {"alice", password}, "mx.example");
  EXPECT_TRUE(x.ok());
  const bool client_first = mech == "PLAIN" || mech.rfind("SCRAM-", 0) == 0;
  std::string to_server;
  if (client_first) to_server = *(*x)->InitialResponse();
  int rc = GSASL_NEEDS_MORE;
  for (int round = 0; round < 10 && rc == GSASL_NEEDS_MORE; ++round) {
    char* challenge = nullptr;
    rc = gsasl_step64(server, to_server.c_str(), &challenge);
    const std::string c = challenge ? challenge : "";
    gsasl_free(challenge);
    if (rc != GSASL_NEEDS_MORE) break;
    auto r = (*x)->Respond(c);
    if (!r.ok()) {
      rc = GSASL_AUTHENTICATION_ERROR;
      break;
    }
    to_server = *r;
  }
  gsasl_finish(server);
  gsasl_done(ctx);
  return rc == GSASL_OK;
}

TEST_F(SaslTest, EveryMechanismAgainstARealServer) {
  for (const char* mech : {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256"}) {
    EXPECT_TRUE(Exchange(client_.get(), mech, "right")) << mech;
    EXPECT_FALSE(Exchange(client_.get(), mech, "wrong")) << mech;
  }
}

}  // namespace
}  // namespace mxd
