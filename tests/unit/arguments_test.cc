#include "common/cli/arguments.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;

const std::vector<OptionSpec> kSpecs = {{"resolver"}, {"to", true, true}, {"json", false}};

TEST(Arguments, ValuesSwitchesAndPositionals) {
  auto a = ParseArgs({"example.com", "--resolver", "h:1", "--to=a@x", "--to", "b@x", "--json", "-"}, kSpecs);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->positional, (std::vector<std::string>{"example.com", "-"}));
  EXPECT_EQ(a->Get("resolver"), "h:1");
  EXPECT_EQ(a->values.at("to"), (std::vector<std::string>{"a@x", "b@x"}));
  EXPECT_TRUE(a->Has("json"));
  EXPECT_EQ(a->GetOr("missing", "dflt"), "dflt");
}

TEST(Arguments, DoubleDashEndsOptions) {
  auto a = ParseArgs({"--", "--json"}, kSpecs);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->positional, std::vector<std::string>{"--json"});
  EXPECT_FALSE(a->Has("json"));
}

TEST(Arguments, Errors) {
  EXPECT_THAT(ParseArgs({"--bogus"}, kSpecs).status().message(), HasSubstr("unknown option --bogus"));
  EXPECT_THAT(ParseArgs({"--resolver"}, kSpecs).status().message(), HasSubstr("needs a value"));
  EXPECT_THAT(ParseArgs({"--json=1"}, kSpecs).status().message(), HasSubstr("takes no value"));
  EXPECT_THAT(ParseArgs({"--resolver", "a", "--resolver", "b"}, kSpecs).status().message(),
              HasSubstr("more than once"));
}

}  // namespace
}  // namespace mxd
