#include "delivery-svc/mime/quoted_printable.h"

#include <random>

#include "gtest/gtest.h"

namespace mxd {
namespace {

// Encodes `in`, whose LFs are hard line breaks, in pieces of `split`.
std::string Encode(const std::string& in, size_t split = 0) {
  QuotedPrintableEncoder qp;
  std::string out;
  size_t start = 0;
  while (start <= in.size()) {
    size_t lf = in.find('\n', start);
    const size_t end = lf == std::string::npos ? in.size() : lf;
    const std::string line = in.substr(start, end - start);
    if (split == 0) {
      qp.Text(line, &out);
    } else {
      for (size_t i = 0; i < line.size(); i += split) qp.Text(line.substr(i, split), &out);
    }
    if (lf == std::string::npos) break;
    qp.LineBreak(&out);
    start = lf + 1;
  }
  qp.Finish(&out);
  return out;
}

// A plain RFC 2045 decoder, to check round trips.
std::string Decode(const std::string& in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && i + 2 < in.size() && in[i + 1] == '\r' && in[i + 2] == '\n') {
      i += 2;
    } else if (in[i] == '=' && i + 2 < in.size()) {
      out.push_back(static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') {
      out.push_back('\n');
      ++i;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

void ExpectWellFormed(const std::string& out) {
  size_t line = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(out[i]);
    ASSERT_LT(c, 128) << i;
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < out.size() && out[i + 1] == '\n') << i;
      // No white space at the end of an encoded line.
      if (i > 0) {
        EXPECT_NE(out[i - 1], ' ') << i;
        EXPECT_NE(out[i - 1], '\t') << i;
      }
      line = 0;
      ++i;
      continue;
    }
    ASSERT_NE(c, '\n') << i;
    ++line;
    ASSERT_LE(line, QuotedPrintableEncoder::kMaxLineLength) << i;
  }
}

TEST(QuotedPrintable, EncodesEightBitAndEquals) {
  EXPECT_EQ(Encode("caf\xc3\xa9 = 1"), "caf=C3=A9 =3D 1=\r\n");
  EXPECT_EQ(Encode("a\nb\n"), "a\r\nb\r\n");
  EXPECT_EQ(Encode(""), "");
  EXPECT_EQ(Encode("\n"), "\r\n");
  EXPECT_EQ(Encode(std::string("\0\x7f\r", 3) + "~!<>\n"), "=00=7F=0D~!<>\r\n");
}

TEST(QuotedPrintable, TrailingWhiteSpaceIsEncoded) {
  EXPECT_EQ(Encode("a \nb\t\nc  d\n"), "a=20\r\nb=09\r\nc  d\r\n");
  EXPECT_EQ(Encode(" \n"), "=20\r\n");
  // Split between the space and what follows it.
  QuotedPrintableEncoder qp;
  std::string out;
  qp.Text("x ", &out);
  qp.Text(" y ", &out);
  qp.LineBreak(&out);
  EXPECT_EQ(out, "x  y=20\r\n");
}

TEST(QuotedPrintable, LastLineWithoutBreakEndsSoftly) {
  EXPECT_EQ(Encode("abc"), "abc=\r\n");
  EXPECT_EQ(Encode("abc "), "abc=20=\r\n");
  EXPECT_EQ(Decode(Encode("abc ")), "abc ");
}

TEST(QuotedPrintable, LongLinesGetSoftBreaks) {
  const std::string in(200, 'x');
  const std::string out = Encode(in);
  ExpectWellFormed(out);
  EXPECT_EQ(out.substr(0, 77), std::string(75, 'x') + "=\r");
  EXPECT_EQ(Decode(out), in);
  // An escape is never split by a soft break.
  const std::string high(100, '\xe9');
  ExpectWellFormed(Encode(high));
  EXPECT_EQ(Decode(Encode(high)), high);
}

TEST(QuotedPrintable, NoDashesStartAContinuationLine) {
  const std::string in = std::string(75, 'x') + "--boundary";
  const std::string out = Encode(in);
  EXPECT_EQ(out, std::string(75, 'x') + "=\r\n=2D-boundary=\r\n");
  EXPECT_EQ(Decode(out), in);
  EXPECT_EQ(Encode("--b\n"), "--b\r\n");  // the sender's own line stays
}

TEST(QuotedPrintable, RandomRoundTripsWhateverThePieces) {
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::string in;
    const size_t n = rng() % 400;
    for (size_t i = 0; i < n; ++i) {
      const unsigned r = rng() % 10;
      in.push_back(r < 2 ? ' ' : r < 3 ? '\t' : r < 4 ? '\n' : r < 5 ? '=' : static_cast<char>(rng() % 256));
    }
    const std::string whole = Encode(in);
    ExpectWellFormed(whole);
    EXPECT_EQ(Decode(whole), in);
    for (size_t split : {1, 2, 3, 5, 76}) ASSERT_EQ(Encode(in, split), whole) << split;
  }
}

}  // namespace
}  // namespace mxd
