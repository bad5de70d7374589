// TLS policy: security levels, smtp_tls_policy_maps lookups and errors,
// Postfix protocol and cipher-grade syntax, certificate reference names;
// and the Postfix lookup-table format they are read from.
#include "delivery-svc/tls/tls_policy.h"

#include <openssl/ssl.h>

#include "common/config/lookup_table.h"
#include "delivery-svc/tls/tls_protocols.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(LookupTable, KeysValuesCommentsAndContinuations) {
  auto t = LookupTable::Parse(
      "# comment\n"
      "Example.COM   secure\n"
      "\n"
      "[mx.example.net]:587 encrypt\n"
      "   protocols=TLSv1.3\r\n"
      "long.example  verify\n",
      "policy");
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ(t->size(), 3u);
  EXPECT_EQ(t->Find("example.com"), "secure");
  EXPECT_EQ(t->Find("[MX.example.net]:587"), "encrypt protocols=TLSv1.3");
  EXPECT_EQ(t->Origin("long.example"), "policy line 6");
  EXPECT_FALSE(t->Find("other.example").has_value());
}

TEST(LookupTable, ErrorsNameTheLine) {
  EXPECT_THAT(LookupTable::Parse("a b\n  \nkeyonly\n", "F").status().message(),
              HasSubstr("F line 3: key \"keyonly\" has no value"));
  EXPECT_THAT(LookupTable::Parse("  orphan\n", "F").status().message(),
              HasSubstr("F line 1: continuation line without a key"));
  EXPECT_THAT(LookupTable::Load("relative/path").status().message(),
              HasSubstr("expected type:/absolute/path"));
  EXPECT_EQ(LookupTable::Load("hash:/nonexistent/x").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(LookupTable::Load("")->size(), 0u);
}

TEST(TlsLevel, ParsesPostfixNames) {
  EXPECT_EQ(*ParseTlsLevel(""), TlsLevel::kNone);
  EXPECT_EQ(*ParseTlsLevel("MAY"), TlsLevel::kMay);
  EXPECT_EQ(*ParseTlsLevel("secure"), TlsLevel::kSecure);
  EXPECT_THAT(ParseTlsLevel("dane").status().message(), HasSubstr("not supported"));
  EXPECT_THAT(ParseTlsLevel("maybe").status().message(), HasSubstr("unknown TLS security level \"maybe\""));
}

TlsPolicyTable Table(const std::string& text, TlsLevel dflt = TlsLevel::kMay) {
  auto t = LookupTable::Parse(text, "tls_policy");
  EXPECT_TRUE(t.ok());
  auto p = TlsPolicyTable::Create(dflt, {"hostname"}, {"nexthop", "dot-nexthop"}, std::move(*t));
  EXPECT_TRUE(p.ok()) << p.status();
  return std::move(*p);
}

TEST(TlsPolicyTable, ExactThenParentDomainThenDefault) {
  TlsPolicyTable t = Table(
      "example.com secure match=.example.com:example.net\n"
      ".example.org verify\n"
      "[mx.example.net]:587 encrypt protocols=>=TLSv1.3 ciphers=high\n");
  TlsPolicy p = t.For("example.com");
  EXPECT_EQ(p.level, TlsLevel::kSecure);
  EXPECT_THAT(p.match, ElementsAre(".example.com", "example.net"));
  EXPECT_EQ(p.origin, "tls_policy line 1");
  // ".example.org" covers subdomains, not the domain itself.
  EXPECT_EQ(t.For("a.b.example.org").level, TlsLevel::kVerify);
  EXPECT_THAT(t.For("a.b.example.org").match, ElementsAre("hostname"));
  EXPECT_EQ(t.For("example.org").level, TlsLevel::kMay);
  p = t.For("[mx.example.net]:587");
  EXPECT_EQ(p.level, TlsLevel::kEncrypt);
  EXPECT_EQ(p.protocols, ">=TLSv1.3");
  EXPECT_EQ(p.ciphers, "high");
  // A bracketed next hop is looked up verbatim only.
  EXPECT_EQ(t.For("[mx.example.net]").level, TlsLevel::kMay);
  EXPECT_EQ(t.For("[mx.example.net]").origin, "smtp_tls_security_level");
}

TEST(TlsPolicyTable, DefaultSecureUsesSecureMatch) {
  TlsPolicyTable t = Table("", TlsLevel::kSecure);
  EXPECT_THAT(t.For("example.com").match, ElementsAre("nexthop", "dot-nexthop"));
}

TEST(TlsPolicyTable, BadEntriesAreRefusedAtStartWithTheirLine) {
  auto make = [](const std::string& text) {
    return TlsPolicyTable::Create(TlsLevel::kNone, {}, {}, *LookupTable::Parse(text, "P")).status();
  };
  EXPECT_THAT(make("a.example may\nb.example dane\n").message(),
              HasSubstr("P line 2: TLS security level \"dane\""));
  EXPECT_THAT(make("a.example may match=x\n").message(),
              HasSubstr("P line 1: match= applies only to the verify and secure levels"));
  EXPECT_THAT(make("a.example encrypt protocols=TLSv9\n").message(),
              HasSubstr("unknown TLS protocol \"TLSv9\""));
  EXPECT_THAT(make("a.example encrypt ciphers=strong\n").message(),
              HasSubstr("unknown cipher grade \"strong\""));
  EXPECT_THAT(make("a.example encrypt tafile=/x\n").message(), HasSubstr("unknown attribute \"tafile\""));
  EXPECT_THAT(make("a.example encrypt nonsense\n").message(), HasSubstr("expected name=value"));
}

TEST(CertificateNames, ExpandsPatterns) {
  TlsPolicy p;
  p.match = {"hostname", "nexthop", "dot-nexthop", ".Example.NET"};
  EXPECT_THAT(CertificateNames(p, "example.com", "mx1.example.com"),
              ElementsAre("mx1.example.com", "example.com", ".example.com", ".example.net"));
}

TEST(TlsProtocols, PostfixSyntax) {
  auto r = ParseTlsProtocols(">=TLSv1.2");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->min_version, TLS1_2_VERSION);
  EXPECT_EQ(r->max_version, TLS1_3_VERSION);
  r = ParseTlsProtocols("!SSLv2, !SSLv3, !TLSv1, !TLSv1.1");
  EXPECT_EQ(r->min_version, TLS1_2_VERSION);
  r = ParseTlsProtocols("<=TLSv1.2");
  EXPECT_EQ(r->min_version, TLS1_VERSION);
  EXPECT_EQ(r->max_version, TLS1_2_VERSION);
  r = ParseTlsProtocols("TLSv1.3");
  EXPECT_EQ(r->min_version, TLS1_3_VERSION);
  EXPECT_EQ(r->max_version, TLS1_3_VERSION);
  EXPECT_THAT(ParseTlsProtocols("SSLv3").status().message(), HasSubstr("leave no protocol enabled"));
  EXPECT_THAT(ParseTlsProtocols(">=TLSv2").status().message(), HasSubstr("unknown TLS protocol"));
}

TEST(TlsProtocols, CipherGrades) {
  EXPECT_EQ(*CipherGradeList("high"), "aNULL:-aNULL:HIGH:@STRENGTH");
  EXPECT_THAT(*CipherGradeList("MEDIUM"), HasSubstr("HIGH:MEDIUM"));
  EXPECT_FALSE(CipherGradeList("super").ok());
}

}  // namespace
}  // namespace mxd
