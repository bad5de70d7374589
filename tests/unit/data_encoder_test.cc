#include "delivery-svc/smtp/data_encoder.h"

#include <random>

#include "gtest/gtest.h"

namespace mxd {
namespace {

std::string Encode(const std::string& in, size_t limit = 998, size_t split = 0) {
  DataEncoder e(limit);
  std::string out;
  if (split == 0) {
    e.Encode(in, &out);
  } else {
    for (size_t i = 0; i < in.size(); i += split) e.Encode(in.substr(i, split), &out);
  }
  e.Finish(&out);
  return out;
}

TEST(DataEncoder, NormalisesEveryLineBreakToCrlf) {
  EXPECT_EQ(Encode("a\r\nb\nc\rd"), "a\r\nb\r\nc\r\nd\r\n");
  EXPECT_EQ(Encode("a\r\r\nb"), "a\r\n\r\nb\r\n");
  EXPECT_EQ(Encode(""), "");
  EXPECT_EQ(Encode("x\r\n"), "x\r\n");
  EXPECT_EQ(Encode("x\r"), "x\r\n");
}

TEST(DataEncoder, DotStuffing) {
  EXPECT_EQ(Encode(".\r\n..x\r\nnot.first\r\n"), "..\r\n...x\r\nnot.first\r\n");
  EXPECT_EQ(Encode("."), "..\r\n");
}

// No input can end DATA early: every "." that starts a line is doubled, and
// no bare CR or LF survives to be read as a line end by a lenient server.
TEST(DataEncoder, SmugglingSequencesNeverEndData) {
  for (const char* in : {"a\n.\nMAIL FROM:<x>", "a\r.\rb", "a\n.\r\nb", "a\r\n.\nb", "a\r.\r\nb"}) {
    std::string out = Encode(in);
    EXPECT_EQ(out.find("\r\n.\r\n"), std::string::npos) << in;
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == '\n') {
        EXPECT_TRUE(i > 0 && out[i - 1] == '\r') << in;
      }
      if (out[i] == '\r') {
        EXPECT_TRUE(i + 1 < out.size() && out[i + 1] == '\n') << in;
      }
    }
  }
}

TEST(DataEncoder, SameResultWhateverTheChunking) {
  const std::string in = "line one\r\n.dot\rcr only\nlf only\r\n" + std::string(2500, 'z') + "\r\n.\r\n";
  const std::string whole = Encode(in, 998);
  for (size_t split : {1, 2, 3, 7, 64, 997, 998, 999}) EXPECT_EQ(Encode(in, 998, split), whole) << split;
}

TEST(DataEncoder, LongLinesAreBrokenWithCrlfSpace) {
  std::string out = Encode(std::string(25, 'a'), 10);
  EXPECT_EQ(out, "aaaaaaaaaa\r\n aaaaaaaaa\r\n aaaaaa\r\n");
  // A dot-stuffed line counts its extra dot.
  EXPECT_EQ(Encode("." + std::string(10, 'b'), 10), "..bbbbbbbb\r\n bb\r\n");
}

// A limit of 1 once looped for ever (each broken piece starts with a space
// that already fills the line): the encoder ends every line all the same.
TEST(DataEncoder, TinyLimitsStillEndEveryLine) {
  for (size_t limit : {1u, 2u, 3u}) {
    DataEncoder e(limit);
    std::string out;
    e.Encode("abcdef\n", &out);
    e.Finish(&out);
    EXPECT_LT(out.size(), 64u) << limit;
    EXPECT_EQ(out.substr(0, 1), "a");
    EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
  }
}

// The encoder finds line ends with memchr; this is the rule it must keep,
// one octet at a time: every CR, LF or CRLF ends a line; a "." opening a
// line is doubled; a line reaching the limit goes on after CRLF SPACE.
std::string Reference(const std::string& in, size_t limit) {
  std::string out;
  size_t length = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n') ++i;
      out += "\r\n";
      length = 0;
      continue;
    }
    if (length == 0 && c == '.') {
      out += '.';
      ++length;
    }
    if (length >= limit) {
      out += "\r\n ";
      length = 1;
    }
    out += c;
    ++length;
  }
  if (length > 0) out += "\r\n";
  return out;
}

TEST(DataEncoder, MatchesTheOctetByOctetRuleOnRandomInput) {
  std::mt19937 gen(17);
  const char alphabet[] = {'a', 'b', '.', '\r', '\n', ' ', '\xe9', '\0'};
  for (int round = 0; round < 300; ++round) {
    std::string in(std::uniform_int_distribution<size_t>(0, 400)(gen), 'x');
    // Mostly text, with line ends of every kind and dots at random places.
    for (char& c : in) c = alphabet[std::uniform_int_distribution<int>(0, 7)(gen) * (gen() % 3 == 0)];
    const size_t limit = std::uniform_int_distribution<size_t>(2, 40)(gen);
    const size_t split = std::uniform_int_distribution<size_t>(0, 50)(gen);
    EXPECT_EQ(Encode(in, limit, split), Reference(in, limit)) << "round " << round;
  }
}

}  // namespace
}  // namespace mxd
