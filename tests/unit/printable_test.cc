#include "common/text/printable.h"

#include <gtest/gtest.h>

#include <string>

#include "common/log/json_log.h"

namespace mxd {
namespace {

TEST(Utf8, WellFormedSequencesOnly) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xa7"));  // é € 📧
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));                      // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("Gr\xfc\xdf"));                           // Latin-1
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));                             // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xe0\x80\xaf"));                         // overlong, 3 octets
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));                         // a surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));                     // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));                             // cut short
  EXPECT_FALSE(IsValidUtf8("\x80"));                                 // a lone continuation
}

TEST(Printable, LikePostfixPrintableWithUtf8) {
  EXPECT_EQ(Printable("250 Ok"), "250 Ok");
  EXPECT_EQ(Printable("Gr\xfc\xdf Gott"), "Gr?? Gott");
  EXPECT_EQ(Printable("\xc3\xa9t\xc3\xa9"), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(Printable(std::string("a\0b\tc\x1b[2J\x7f", 10)), "a?b?c?[2J?");
  EXPECT_EQ(Printable("x\xc2\x9by"), "x??y");  // C1 CSI: one '?' per octet
  EXPECT_EQ(Printable("\xe2\x82"), "??");
  EXPECT_EQ(Printable("a\xe2\x82"
                      "b"),
            "a??b");  // a cut sequence does not eat what follows
  EXPECT_EQ(Printable("x", '_'), "x");
  EXPECT_EQ(Printable("\xff", '_'), "_");
}

TEST(Printable, ValidUtf8KeepsWellFormedTextUntouched) {
  EXPECT_EQ(ValidUtf8("tab\there"), "tab\there");  // valid: unchanged
  EXPECT_EQ(ValidUtf8("tab\there\xff"), "tab?here?");
}

TEST(JsonString, AlwaysValidUtf8) {
  std::string out;
  AppendJsonString(&out, "Gr\xfc\xdf \xc3\xa9 \"q\" \x01\n");
  EXPECT_EQ(out, "\"Gr?? \xc3\xa9 \\\"q\\\" \\u0001\\n\"");
  EXPECT_TRUE(IsValidUtf8(out));
}

TEST(JsonLog, SinkSeesEveryLine) {
  std::string seen;
  LogSink sink = [&](absl::string_view line) { seen.append(line.data(), line.size()); };
  SetLogSinkForTesting(&sink);
  LogInfo("test", {{"reason", "Gr\xfc\xdf"}});
  SetLogSinkForTesting(nullptr);
  EXPECT_NE(seen.find("\"reason\":\"Gr??\""), std::string::npos) << seen;
  EXPECT_TRUE(IsValidUtf8(seen));
}

// log_level: lines below it are neither written nor reported as enabled.
TEST(JsonLog, LinesBelowTheLevelAreDropped) {
  std::string seen;
  LogSink sink = [&](absl::string_view line) { seen.append(line.data(), line.size()); };
  SetLogSinkForTesting(&sink);
  SetMinLogLevel(LogLevel::kWarning);
  EXPECT_FALSE(LogEnabled(LogLevel::kInfo));
  EXPECT_TRUE(LogEnabled(LogLevel::kError));
  Log(LogLevel::kDebug, "quiet", {});
  LogInfo("quiet", {});
  LogWarning("loud", {});
  SetMinLogLevel(LogLevel::kInfo);
  SetLogSinkForTesting(nullptr);
  EXPECT_EQ(seen.find("quiet"), std::string::npos) << seen;
  EXPECT_NE(seen.find("\"event\":\"loud\""), std::string::npos) << seen;
  EXPECT_TRUE(LogEnabled(LogLevel::kInfo));
  EXPECT_FALSE(LogEnabled(LogLevel::kDebug));
}

}  // namespace
}  // namespace mxd
