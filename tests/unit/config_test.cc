#include "common/config/config.h"

#include <string>

#include "common/config/config_loader.h"
#include "common/config/delivery_time_budget.h"
#include "common/config/main_cf_parser.h"
#include "common/config/time_value.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;

TEST(TimeValue, PostfixUnits) {
  EXPECT_EQ(*ParseTimeValue("300s"), absl::Seconds(300));
  EXPECT_EQ(*ParseTimeValue("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseTimeValue("2h"), absl::Hours(2));
  EXPECT_EQ(*ParseTimeValue("1d"), absl::Hours(24));
  EXPECT_EQ(*ParseTimeValue("1w"), absl::Hours(24 * 7));
  EXPECT_EQ(*ParseTimeValue("30"), absl::Seconds(30));
  EXPECT_EQ(*ParseTimeValue("3", 'm'), absl::Minutes(3));
  EXPECT_EQ(*ParseTimeValue(" 10s "), absl::Seconds(10));
}

TEST(TimeValue, RejectsGarbage) {
  EXPECT_THAT(ParseTimeValue("5x").status().message(), HasSubstr("bad time unit 'x'"));
  EXPECT_FALSE(ParseTimeValue("").ok());
  EXPECT_FALSE(ParseTimeValue("s").ok());
  EXPECT_FALSE(ParseTimeValue("-5s").ok());
  EXPECT_FALSE(ParseTimeValue("1.5h").ok());
  EXPECT_FALSE(ParseTimeValue("99999999999999999w").ok());
}

TEST(TimeValue, Format) {
  EXPECT_EQ(FormatTimeValue(absl::Seconds(300)), "5m");
  EXPECT_EQ(FormatTimeValue(absl::Seconds(90)), "90s");
  EXPECT_EQ(FormatTimeValue(absl::Hours(48)), "2d");
  EXPECT_EQ(FormatTimeValue(absl::ZeroDuration()), "0s");
}

TEST(MainCf, AssignmentsCommentsAndContinuations) {
  auto a = ParseMainCf(
      "# comment\n"
      "\n"
      "relayhost = [relay.example]:587\n"
      "smtp_fallback_relay = a.example,\n"
      "    b.example\n"
      "  # a comment inside does not end it\n"
      "    c.example\r\n"
      "empty =\n",
      "main.cf");
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_EQ(a->size(), 3u);
  EXPECT_EQ((*a)[0].name, "relayhost");
  EXPECT_EQ((*a)[0].value, "[relay.example]:587");
  EXPECT_EQ((*a)[0].origin, "main.cf line 3");
  EXPECT_EQ((*a)[1].value, "a.example, b.example c.example");
  EXPECT_EQ((*a)[1].origin, "main.cf line 4");
  EXPECT_EQ((*a)[2].value, "");
}

TEST(MainCf, ErrorsNameTheLine) {
  EXPECT_THAT(ParseMainCf("a = 1\nno equals here\n", "f.cf").status().message(),
              HasSubstr("f.cf line 2: missing '='"));
  EXPECT_THAT(ParseMainCf("  leading = 1\n", "f.cf").status().message(),
              HasSubstr("f.cf line 1: continuation line without a parameter"));
  EXPECT_THAT(ParseMainCf("bad-name = 1\n", "f.cf").status().message(),
              HasSubstr("f.cf line 1: bad parameter name 'bad-name'"));
  EXPECT_THAT(ParseMainCf(std::string("a = 1\0\n", 7), "f.cf").status().message(), HasSubstr("NUL"));
}

TEST(Override, ParsesNameValue) {
  auto a = ParseOverride("relayhost=[r.example]");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->name, "relayhost");
  EXPECT_EQ(a->value, "[r.example]");
  EXPECT_EQ(a->origin, "-o");
  EXPECT_FALSE(ParseOverride("novalue").ok());
  EXPECT_FALSE(ParseOverride("a=b\nc").ok());
}

Config Build(std::vector<Assignment> a) {
  auto c = Config::Build(a);
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

TEST(Config, DefaultsAndTypedAccess) {
  Config c = Build({});
  EXPECT_EQ(c.GetString("relayhost"), "");
  EXPECT_FALSE(c.GetBool("disable_dns_lookups"));
  EXPECT_EQ(c.GetTime("resolver_query_timeout"), absl::Seconds(5));
  EXPECT_EQ(c.GetInt("resolver_cache_size_limit"), 100000);
  EXPECT_EQ(c.GetList("inet_protocols"), std::vector<std::string>{"all"});
  EXPECT_FALSE(c.GetString("myhostname").empty());  // computed default
  EXPECT_EQ(c.Origin("relayhost"), "default");
}

TEST(Config, LaterAssignmentsWinAndExpand) {
  Config c = Build({{"fallback_relay", "[a.example], [b.example]", "main.cf line 1"},
                    {"relayhost", "[$myhostname]:2525", "main.cf line 2"},
                    {"myhostname", "mx.example", "-o"},
                    {"disable_dns_lookups", "yes", "-o"}});
  EXPECT_EQ(c.GetList("smtp_fallback_relay"), (std::vector<std::string>{"[a.example]", "[b.example]"}));
  EXPECT_EQ(c.GetString("relayhost"), "[mx.example]:2525");
  EXPECT_TRUE(c.GetBool("disable_dns_lookups"));
  EXPECT_EQ(c.Origin("myhostname"), "-o");
  EXPECT_THAT(c.Dump(false), HasSubstr("relayhost = [$myhostname]:2525\n"));
}

TEST(Config, BracesAndDollarEscape) {
  Config c = Build({{"myhostname", "h${relayhost}x$$y$(relayhost)", "-o"}, {"relayhost", "r", "-o"}});
  EXPECT_EQ(c.GetString("myhostname"), "hrx$yr");
}

TEST(Config, RefusesUnknownAndBadValuesNamingTheOrigin) {
  auto unknown = Config::Build({{"no_such_thing", "1", "main.cf line 7"}});
  EXPECT_THAT(unknown.status().message(), HasSubstr("main.cf line 7: unknown parameter 'no_such_thing'"));
  auto bad_bool = Config::Build({{"disable_dns_lookups", "maybe", "main.cf line 3"}});
  EXPECT_THAT(bad_bool.status().message(),
              HasSubstr("main.cf line 3: parameter disable_dns_lookups: bad boolean value 'maybe'"));
  auto bad_time = Config::Build({{"resolver_query_timeout", "10x", "-o"}});
  EXPECT_THAT(bad_time.status().message(), HasSubstr("-o: parameter resolver_query_timeout: bad time unit"));
  auto out_of_range = Config::Build({{"resolver_query_timeout", "1h", "-o"}});
  EXPECT_THAT(out_of_range.status().message(), HasSubstr("out of range"));
  auto bad_int = Config::Build({{"resolver_query_attempts", "two", "-o"}});
  EXPECT_THAT(bad_int.status().message(), HasSubstr("bad numerical value 'two'"));
  auto bad_choice = Config::Build({{"smtp_address_preference", "ipv5", "-o"}});
  EXPECT_THAT(bad_choice.status().message(), HasSubstr("choose one of: any,ipv4,ipv6"));
  auto bad_list = Config::Build({{"inet_protocols", "ipv4, ipx", "-o"}});
  EXPECT_THAT(bad_list.status().message(), HasSubstr("bad list element 'ipx'"));
}

TEST(Config, RefusesUnknownAndRecursiveReferences) {
  EXPECT_THAT(Config::Build({{"relayhost", "$nosuch", "-o"}}).status().message(),
              HasSubstr("unknown parameter $nosuch"));
  EXPECT_THAT(Config::Build({{"relayhost", "$myhostname", "-o"}, {"myhostname", "$relayhost", "-o"}})
                  .status()
                  .message(),
              HasSubstr("recursive"));
  EXPECT_THAT(Config::Build({{"relayhost", "${myhostname", "-o"}}).status().message(),
              HasSubstr("missing '}'"));
}

TEST(ExtractOverrides, RemovesEveryDashO) {
  std::vector<std::string> storage = {"prog", "-o", "a=1", "--listen", "x", "-ob=2", "--", "-o", "c=3"};
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(storage.size());
  auto o = ExtractOverrides(argc, argv.data());
  EXPECT_EQ(o, (std::vector<std::string>{"a=1", "b=2"}));
  ASSERT_EQ(argc, 6);
  EXPECT_STREQ(argv[1], "--listen");
  EXPECT_STREQ(argv[3], "--");
  EXPECT_STREQ(argv[4], "-o");
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

// One server at worst with Postfix's default timeouts: connect 30s,
// greeting and EHLO 300s each, STARTTLS 300s; MAIL 300s, RCPT 300s, DATA
// 120s, content 180s, end of data 600s. Callers wait a minute longer.
TEST(DeliveryTimeBudget, FromTheTimeouts) {
  auto defaults = LoadConfig("", {});
  ASSERT_TRUE(defaults.ok());
  DeliveryTimeBudget b = DeliveryTimeBudgetFrom(*defaults);
  EXPECT_EQ(b.session_setup, absl::Seconds(930));
  EXPECT_EQ(b.transaction, absl::Seconds(1500));
  EXPECT_EQ(DefaultDeliverDeadline(*defaults), absl::Seconds(2490));
  auto quick = LoadConfig("", {"smtp_data_done_timeout=10s", "smtp_helo_timeout=1m"});
  ASSERT_TRUE(quick.ok());
  EXPECT_EQ(DeliveryTimeBudgetFrom(*quick).OneServer(),
            absl::Seconds(30 + 120 + 300 + 300 + 300 + 120 + 180 + 10));
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

// A real main.cf: Postfix's own parameters are accepted with one warning
// each (Postfix's "unused parameter"), can be referred to once set, and are
// never checked or expanded otherwise; typos are still refused.
TEST(Config, PostfixParametersOfARealMainCf) {
  auto c = Config::Build(
      {{"mydomain", "example.com", "main.cf line 1"},
       {"myorigin", "$mydomain", "main.cf line 2"},
       {"queue_directory", "/var/spool/postfix", "main.cf line 3"},
       {"smtpd_recipient_restrictions", "permit_mynetworks, ${undefined_thing}", "main.cf line 4"},
       {"smtp_helo_name", "mail.$mydomain", "main.cf line 5"}});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->GetString("smtp_helo_name"), "mail.example.com");
  EXPECT_THAT(c->warnings(),
              testing::ElementsAre(
                  "main.cf line 1: unused parameter: mydomain=example.com",
                  "main.cf line 2: unused parameter: myorigin=$mydomain",
                  "main.cf line 3: unused parameter: queue_directory=/var/spool/postfix",
                  "main.cf line 4: unused parameter: smtpd_recipient_restrictions=permit_mynetworks, "
                  "${undefined_thing}"));
  auto typo = Config::Build({{"mydomian", "example.com", "main.cf line 9"}});
  EXPECT_THAT(typo.status().message(), HasSubstr("main.cf line 9: unknown parameter 'mydomian'"));
  // Referring to a Postfix parameter nobody set says what to do.
  auto unset = Config::Build({{"smtp_helo_name", "mail.$mydomain", "main.cf line 2"}});
  EXPECT_THAT(unset.status().message(),
              HasSubstr("reference to $mydomain, a Postfix parameter mxd knows only when it is set: set it"));
}

// Postfix 3's conditional expansion.
TEST(Config, ConditionalExpansion) {
  Config c = Build({{"relayhost", "", "-o"},
                    {"myhostname", "mx.example", "-o"},
                    {"smtp_helo_name", "${myhostname?helo.$myhostname}${relayhost?{via relay}}", "-o"},
                    {"smtp_pix_workaround_maps", "${relayhost:texthash:/x}${myhostname:{never}}", "-o"}});
  EXPECT_EQ(c.GetString("smtp_helo_name"), "helo.mx.example");
  EXPECT_EQ(c.GetString("smtp_pix_workaround_maps"), "texthash:/x");
}

}  // namespace
}  // namespace mxd
