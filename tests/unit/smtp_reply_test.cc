#include "delivery-svc/smtp/smtp_reply.h"

#include <memory>
#include <string>

#include "delivery-svc/smtp/ehlo_features.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;

TEST(ReplyParser, SingleLineWithEnhancedCode) {
  ReplyParser p;
  p.Feed("250 2.1.5 Ok\r\n");
  auto r = p.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 250);
  EXPECT_EQ(r->enhanced, "2.1.5");
  EXPECT_EQ(r->text, "2.1.5 Ok");
  EXPECT_EQ(r->Quoted(), "250 2.1.5 Ok");
  EXPECT_FALSE(p.Next());
}

TEST(ReplyParser, MultiLineSplitAtEveryByte) {
  const std::string wire = "250-mx.example\r\n250-PIPELINING\r\n250 SIZE 1000\r\n220 next\r\n";
  ReplyParser p;
  std::vector<SmtpReply> got;
  for (char c : wire) {
    p.Feed(std::string(1, c));
    while (auto r = p.Next()) got.push_back(*r);
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].lines, (std::vector<std::string>{"250-mx.example", "250-PIPELINING", "250 SIZE 1000"}));
  EXPECT_EQ(got[0].text, "mx.example PIPELINING SIZE 1000");
  EXPECT_EQ(got[1].code, 220);
}

TEST(ReplyParser, BareLfAndCodeOnlyLines) {
  ReplyParser p;
  p.Feed("354\n");
  auto r = p.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, 354);
  EXPECT_EQ(r->text, "");
}

TEST(ReplyParser, EnhancedCodeMustMatchTheClass) {
  EXPECT_EQ(ExtractEnhancedStatus(550, "5.1.1 no"), "5.1.1");
  EXPECT_EQ(ExtractEnhancedStatus(550, "4.1.1 no"), "");
  EXPECT_EQ(ExtractEnhancedStatus(550, "5.1 no"), "");
  EXPECT_EQ(ExtractEnhancedStatus(450, "4.123.456"), "4.123.456");
  EXPECT_EQ(ExtractEnhancedStatus(450, "4.1234.1 x"), "");
  EXPECT_EQ(ExtractEnhancedStatus(250, "2.0.0Ok"), "");
}

TEST(ReplyParser, MalformedLinesAreErrors) {
  for (const char* bad : {"hello\r\n", "25\r\n", "2500 x\r\n", "600 x\r\n", "250x\r\n"}) {
    ReplyParser p;
    p.Feed(bad);
    EXPECT_FALSE(p.Next()) << bad;
    EXPECT_THAT(p.error(), HasSubstr("malformed reply line")) << bad;
  }
  ReplyParser p;
  p.Feed("250-a\r\n550 b\r\n");
  EXPECT_FALSE(p.Next());
  EXPECT_THAT(p.error(), HasSubstr("code changed"));
}

TEST(ReplyParser, NulAndControlCharactersArePrintedSafely) {
  ReplyParser p;
  p.Feed(std::string("bad\0\x1b[2J\r\n", 10));
  EXPECT_FALSE(p.Next());
  EXPECT_THAT(p.error(), HasSubstr("bad??[2J"));
}

// Real servers answer in Latin-1 and worse: every reply line comes out as
// printable UTF-8, the server's own UTF-8 kept.
TEST(ReplyParser, EightBitTextBecomesValidUtf8) {
  ReplyParser p;
  p.Feed(
      "250-mx.example.de Gr\xfc\xdf Gott\r\n250-\xc3\xa9t\xc3\xa9 \xe2\x82\xac\r\n"
      "250 junk \xff\xfe\xc0\xaf\xed\xa0\x80 \xc2\x9b end\r\n");
  std::optional<SmtpReply> r = p.Next();
  ASSERT_TRUE(r);
  ASSERT_EQ(r->lines.size(), 3u);
  EXPECT_EQ(r->lines[0], "250-mx.example.de Gr?? Gott");
  EXPECT_EQ(r->lines[1], "250-\xc3\xa9t\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(r->lines[2], "250 junk ??????? ?? end");
  EXPECT_EQ(r->text, "mx.example.de Gr?? Gott \xc3\xa9t\xc3\xa9 \xe2\x82\xac junk ??????? ?? end");
}

TEST(ReplyParser, OverlongLinesAreCutNotBuffered) {
  ReplyParser p;
  p.Feed("250 ");
  for (int i = 0; i < 1000; ++i) p.Feed(std::string(1000, 'x'));  // 1 MB in one line
  p.Feed("\r\n");
  auto r = p.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lines[0].size(), ReplyParser::kMaxReplyLineLength);
}

TEST(ReplyParser, EndlessMultiLineReplyIsRefused) {
  ReplyParser p;
  for (size_t i = 0; i < ReplyParser::kMaxReplyLines + 5; ++i) p.Feed("250-more\r\n");
  EXPECT_FALSE(p.Next());
  EXPECT_THAT(p.error(), HasSubstr("more than 1000 lines"));
}

// 1000 lines of 2 KB would be 2 MB held for one reply: refused at 16 KB.
TEST(ReplyParser, OneReplyHasAByteBudget) {
  ReplyParser p;
  const std::string line = "250-" + std::string(2000, 'x') + "\r\n";
  size_t fed = 0;
  for (int i = 0; i < 1000 && p.error().empty(); ++i) {
    p.Feed(line);
    fed += line.size();
    EXPECT_FALSE(p.Next());
  }
  EXPECT_THAT(p.error(), HasSubstr("reply longer than 16384 bytes"));
  EXPECT_LT(fed, 2 * ReplyParser::kMaxReplyBytes);
  // A reply just under the budget is fine.
  ReplyParser q;
  for (int i = 0; i < 7; ++i) q.Feed(line);
  q.Feed("250 last\r\n");
  std::optional<SmtpReply> r = q.Next();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lines.size(), 8u);
}

TEST(EhloFeatures, ParsesKeywords) {
  ReplyParser p;
  p.Feed(
      "250-mx.example Hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
      "250-DSN\r\n250-ENHANCEDSTATUSCODES\r\n250-STARTTLS\r\n250-AUTH PLAIN login CRAM-MD5\r\n"
      "250-AUTH=LOGIN\r\n250-CHUNKING\r\n250 X-UNKNOWN\r\n");
  auto r = p.Next();
  ASSERT_TRUE(r);
  EhloFeatures f = ParseEhloFeatures(*r);
  EXPECT_TRUE(f.esmtp);
  EXPECT_TRUE(f.pipelining);
  EXPECT_TRUE(f.size);
  EXPECT_EQ(f.size_limit, 10240000u);
  EXPECT_TRUE(f.eightbitmime);
  EXPECT_TRUE(f.smtputf8);
  EXPECT_TRUE(f.dsn);
  EXPECT_TRUE(f.enhancedstatuscodes);
  EXPECT_TRUE(f.starttls);
  EXPECT_TRUE(f.chunking);
  EXPECT_FALSE(f.binarymime);
  EXPECT_EQ(f.auth_mechanisms, (std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"}));
}

TEST(EhloFeatures, GreetingLineIsNotAKeyword) {
  ReplyParser p;
  p.Feed("250 PIPELINING\r\n");  // a one-line reply: just the server's name
  EhloFeatures f = ParseEhloFeatures(*p.Next());
  EXPECT_FALSE(f.pipelining);
  EXPECT_FALSE(f.size);
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

// The transcript of a protocol error shows the line that caused it.
TEST(ReplyParser, ErrorKeepsTheLinesThatLedToIt) {
  ReplyParser p;
  p.Feed("250-first\r\n250-second\r\nnot smtp \xff\r\n");
  EXPECT_FALSE(p.Next());
  EXPECT_THAT(p.error_lines(), testing::ElementsAre("250-first", "250-second", "not smtp ?"));
  ReplyParser q;
  for (int i = 0; i < 20; ++i) q.Feed("250-x\r\n");
  q.Feed("550 changed\r\n");
  EXPECT_FALSE(q.Next());
  EXPECT_THAT(q.error_lines(), testing::ElementsAre("250-x", "250-x", "250-x", "250-x", "250-x",
                                                    "(15 more lines)", "550 changed"));
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

std::string Lines(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "250-" + std::string(96, 'x') + "\r\n";  // 102 octets a line
  return s;
}

// delivery_reply_memory_limit: parsers share one budget for the bytes they
// hold, and give them back as replies complete or the parser goes.
TEST(ReplyMemoryBudget, SharedByParsersAndGivenBack) {
  ByteBudget budget(20000);
  auto a = std::make_unique<ReplyParser>(&budget);
  ReplyParser b(&budget);
  a->Feed(Lines(120));  // ~12 KB of an unfinished reply
  EXPECT_FALSE(a->Next());
  EXPECT_GT(budget.in_use(), 11000u);
  b.Feed(Lines(50));  // ~5 KB: still within the 20000
  EXPECT_FALSE(b.Next());
  EXPECT_TRUE(b.error().empty());
  b.Feed(Lines(40));  // ~4 KB more would go beyond it
  EXPECT_FALSE(b.Next());
  EXPECT_TRUE(b.over_budget());
  EXPECT_EQ(b.error(), "reply memory budget exhausted (delivery_reply_memory_limit = 20000 bytes)");
  const size_t held_by_a = budget.in_use();  // b gave back what it held
  EXPECT_LT(held_by_a, 13000u);
  a->Feed("250 done\r\n");
  std::optional<SmtpReply> r = a->Next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->lines.size(), 121u);
  EXPECT_EQ(budget.in_use(), 0u);  // a complete reply is no longer held
  a->Feed(Lines(10));
  EXPECT_GT(budget.in_use(), 0u);
  a.reset();
  EXPECT_EQ(budget.in_use(), 0u);  // nor is anything after the parser is gone
  ReplyParser c(&budget);
  c.Feed(Lines(150));
  EXPECT_FALSE(c.Next());
  EXPECT_TRUE(c.error().empty());  // the whole budget is free again
}

}  // namespace
}  // namespace mxd
