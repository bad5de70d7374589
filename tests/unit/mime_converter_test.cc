#include "delivery-svc/mime/mime_converter.h"

#include <random>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

std::string Crlf(absl::string_view s) { return absl::StrReplaceAll(s, {{"\n", "\r\n"}}); }

// Chunk sizes to cut the input into: 0 means "all at once".
std::vector<size_t> Cuts(size_t size, int how) {
  std::vector<size_t> cuts;
  if (how == 0) return {size};
  if (how == 1) return std::vector<size_t>(size, 1);
  std::mt19937 rng(how);
  const size_t max = how % 2 == 0 ? 7 : 3000;
  for (size_t done = 0; done < size;) {
    const size_t n = std::min<size_t>(size - done, 1 + rng() % max);
    cuts.push_back(n);
    done += n;
  }
  return cuts;
}

struct Result {
  std::string out;
  const MimeError* error = nullptr;  // only for "is there one"
  std::string reason;
  std::string enhanced;
  size_t leaves = 0;
};

Result RunOnce(absl::string_view in, int how, bool two_pass, MimeLimits limits) {
  const std::vector<size_t> cuts = Cuts(in.size(), how);
  MimeScanner scan(limits);
  MimePlan plan;
  Result r;
  if (two_pass) {
    size_t at = 0;
    for (size_t n : cuts) {
      scan.Feed(in.substr(at, n));
      at += n;
    }
    scan.Finish();
    plan = scan.plan();
    r.leaves = plan.leaves();
    if (scan.error() != nullptr) r.reason = "scan: " + scan.error()->reason;
  }
  MimeConverter convert(plan, limits);
  size_t at = 0;
  for (size_t n : cuts) {
    convert.Feed(in.substr(at, n), &r.out);
    at += n;
  }
  convert.Finish(&r.out);
  if (convert.error() != nullptr) {
    r.error = convert.error();
    r.enhanced = convert.error()->enhanced;
    r.reason = convert.error()->reason;
  }
  return r;
}

// Every line ends in CRLF, no octet over 127 (unless `headers_8bit`), no
// line over 998 octets (unless `long_lines`: passthrough text is left to
// DataEncoder).
void ExpectSevenBit(const std::string& out, bool headers_8bit = false, bool long_lines = false) {
  size_t line = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(out[i]);
    if (!headers_8bit) {
      ASSERT_LT(c, 128) << "at " << i;
    }
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < out.size() && out[i + 1] == '\n') << "bare CR at " << i;
      ++i;
      line = 0;
      continue;
    }
    ASSERT_NE(c, '\n') << "bare LF at " << i;
    if (++line > 998 && !long_lines) {
      ASSERT_LE(line, 998u) << "at " << i;
    }
  }
  if (!out.empty()) {
    EXPECT_TRUE(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n");
  }
}

// Scan + convert, fed whole, byte by byte and in random pieces: the results
// must all be the same. Returns the one result.
Result Convert(absl::string_view in, MimeLimits limits = {}, bool two_pass = true) {
  Result whole = RunOnce(in, 0, two_pass, limits);
  for (int how : {1, 2, 3, 4, 5}) {
    Result r = RunOnce(in, how, two_pass, limits);
    EXPECT_EQ(r.out, whole.out) << "split " << how;
    EXPECT_EQ(r.reason, whole.reason) << "split " << how;
    EXPECT_EQ(r.leaves, whole.leaves) << "split " << how;
  }
  return whole;
}

std::string OnePass(absl::string_view in) { return Convert(in, {}, /*two_pass=*/false).out; }

// The lines of `s` between the line `from` (exclusive) and the next line
// starting with "--" (or the end).
std::vector<std::string> BodyLines(const std::string& s, absl::string_view from) {
  std::vector<std::string> lines = absl::StrSplit(s, "\r\n");
  std::vector<std::string> body;
  bool in = false;
  for (const std::string& l : lines) {
    if (in && absl::StartsWith(l, "--")) break;
    if (in) body.push_back(l);
    if (l == from) in = true;
  }
  return body;
}

std::string DecodeQp(absl::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && in.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else if (in[i] == '=' && i + 2 < in.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

TEST(MimeConverter, PlainEightBitMessageGetsMimeHeaders) {
  const Result r = Convert("From: a@example.org\nSubject: caf\n\ncaf\xc3\xa9 au lait \n= sign\n");
  EXPECT_EQ(r.out, Crlf("From: a@example.org\n"
                        "Subject: caf\n"
                        "MIME-Version: 1.0\n"
                        "Content-Type: text/plain; charset=unknown-8bit\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "caf=C3=A9 au lait=20\n"
                        "=3D sign\n"));
  EXPECT_EQ(r.error, nullptr);
  EXPECT_EQ(r.leaves, 1u);
  ExpectSevenBit(r.out);
}

TEST(MimeConverter, DeclaredEightBitLeaf) {
  const std::string in =
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: 8bit\r\nSubject: x\r\n\r\nna\xefve\r\n";
  const std::string want =
      "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\nSubject: x\r\n\r\nna=EFve\r\n";
  EXPECT_EQ(Convert(in).out, want);
  EXPECT_EQ(OnePass(in), want);  // declared: no plan needed
  // Binary too, and any spelling.
  EXPECT_EQ(Convert(absl::StrReplaceAll(in, {{"8bit", "BINARY"}})).out, want);
}

TEST(MimeConverter, FoldedTransferEncodingIsReplacedWhole) {
  const Result r = Convert(
      "MIME-Version: 1.0\n"
      "Content-Type: text/plain;\n"
      "\tcharset=utf-8\n"
      "Content-Transfer-Encoding:\n"
      "   (a comment)\n"
      "   8bit\n"
      "X-After: folded\n"
      "  too\n"
      "\n"
      "\xc3\xa9\n");
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\n"
                        "Content-Type: text/plain;\n"
                        "\tcharset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "X-After: folded\n"
                        "  too\n"
                        "\n"
                        "=C3=A9\n"));
}

TEST(MimeConverter, TransferEncodingBeforeContentTypeKeepsItsPlace) {
  // The decision needs Content-Type, which comes later: fields in between
  // wait, and everything stays in order.
  const Result r = Convert(
      "Content-Transfer-Encoding: 8bit\n"
      "X-Between: 1\n"
      "Content-Transfer-Encoding: 8bit\n"  // a duplicate: dropped when rewriting
      "Content-Type: multipart/mixed; boundary=b\n"
      "MIME-Version: 1.0\n"
      "\n"
      "--b\n"
      "Content-Transfer-Encoding: 7bit\n"
      "X-Between: 2\n"
      "Content-Type: text/plain\n"
      "\n"
      "ascii\n"
      "--b--\n");
  EXPECT_EQ(r.out, Crlf("Content-Transfer-Encoding: 7bit\n"
                        "X-Between: 1\n"
                        "Content-Type: multipart/mixed; boundary=b\n"
                        "MIME-Version: 1.0\n"
                        "\n"
                        "--b\n"
                        "Content-Transfer-Encoding: 7bit\n"
                        "X-Between: 2\n"
                        "Content-Type: text/plain\n"
                        "\n"
                        "ascii\n"
                        "--b--\n"));
}

TEST(MimeConverter, SevenBitMessagePassesUnchanged) {
  const std::string in = Crlf(
      "From: a@example.org\n"
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=\"xyz\"\n"
      "\n"
      "preamble\n"
      "--xyz\n"
      "Content-Type: text/plain\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "caf=C3=A9 =\n"
      "soft\n"
      "--xyz\n"
      "Content-Type: application/octet-stream\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "AAECAwQFBgcICQ==\n"
      "--xyz--\n"
      "epilogue\n");
  EXPECT_EQ(Convert(in).out, in);
  EXPECT_EQ(Convert(absl::StrReplaceAll(in, {{"\r\n", "\n"}})).out, in);
}

TEST(MimeConverter, MultipartAlternative) {
  const Result r = Convert(
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/alternative; boundary=\"=_alt\"\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "--=_alt\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "Gr\xc3\xbc\xc3\x9f"
      "e\n"
      "\n"
      "--=_alt\n"
      "Content-Type: text/html; charset=utf-8\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "<p>Gr\xc3\xbc\xc3\x9f"
      "e</p>\n"
      "--=_alt--\n");
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\n"
                        "Content-Type: multipart/alternative; boundary=\"=_alt\"\n"
                        "Content-Transfer-Encoding: 7bit\n"
                        "\n"
                        "--=_alt\n"
                        "Content-Type: text/plain; charset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "Gr=C3=BC=C3=9Fe\n"
                        "\n"
                        "--=_alt\n"
                        "Content-Type: text/html; charset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "<p>Gr=C3=BC=C3=9Fe</p>\n"
                        "--=_alt--\n"));
  EXPECT_EQ(r.leaves, 2u);
}

TEST(MimeConverter, NestedMultipartWithAttachments) {
  const std::string base64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8\nz8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==\n";
  const Result r =
      Convert(absl::StrCat("MIME-Version: 1.0\n"
                           "Content-Type: multipart/mixed; boundary=outer\n"
                           "\n"
                           "--outer\n"
                           "Content-Type: multipart/alternative; boundary=inner\n"
                           "\n"
                           "--inner\n"
                           "Content-Type: text/plain; charset=utf-8\n"
                           "Content-Transfer-Encoding: 8bit\n"
                           "\n"
                           "\xe2\x82\xac 5\n"
                           "--inner\n"
                           "Content-Type: text/html; charset=utf-8\n"
                           "Content-Transfer-Encoding: quoted-printable\n"
                           "\n"
                           "=E2=82=AC 5\n"
                           "--inner--\n"
                           "\n"
                           "--outer\n"
                           "Content-Type: image/png\n"
                           "Content-Transfer-Encoding: base64\n"
                           "\n",
                           base64,
                           "--outer\n"
                           "Content-Type: text/plain; charset=iso-8859-1\n"
                           "Content-Disposition: attachment; filename=notes.txt\n"
                           "Content-Transfer-Encoding: 8bit\n"
                           "\n"
                           "d\xe9j\xe0 vu\n"
                           "--outer--\n"));
  EXPECT_EQ(r.out, Crlf(absl::StrCat("MIME-Version: 1.0\n"
                                     "Content-Type: multipart/mixed; boundary=outer\n"
                                     "\n"
                                     "--outer\n"
                                     "Content-Type: multipart/alternative; boundary=inner\n"
                                     "\n"
                                     "--inner\n"
                                     "Content-Type: text/plain; charset=utf-8\n"
                                     "Content-Transfer-Encoding: quoted-printable\n"
                                     "\n"
                                     "=E2=82=AC 5\n"
                                     "--inner\n"
                                     "Content-Type: text/html; charset=utf-8\n"
                                     "Content-Transfer-Encoding: quoted-printable\n"
                                     "\n"
                                     "=E2=82=AC 5\n"
                                     "--inner--\n"
                                     "\n"
                                     "--outer\n"
                                     "Content-Type: image/png\n"
                                     "Content-Transfer-Encoding: base64\n"
                                     "\n",
                                     base64,
                                     "--outer\n"
                                     "Content-Type: text/plain; charset=iso-8859-1\n"
                                     "Content-Disposition: attachment; filename=notes.txt\n"
                                     "Content-Transfer-Encoding: quoted-printable\n"
                                     "\n"
                                     "d=E9j=E0 vu\n"
                                     "--outer--\n")));
  EXPECT_EQ(r.leaves, 4u);
}

TEST(MimeConverter, ForwardedMessageIsConvertedInside) {
  const Result r = Convert(
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=fw\n"
      "\n"
      "--fw\n"
      "Content-Type: text/plain\n"
      "\n"
      "See below.\n"
      "--fw\n"
      "Content-Type: message/rfc822\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "From: b@example.org\n"
      "Subject: inner\n"
      "Content-Type: multipart/alternative; boundary=in\n"
      "\n"
      "--in\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "\xc3\xa9t\xc3\xa9\n"
      "--in--\n"
      "--fw--\n");
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\n"
                        "Content-Type: multipart/mixed; boundary=fw\n"
                        "\n"
                        "--fw\n"
                        "Content-Type: text/plain\n"
                        "\n"
                        "See below.\n"
                        "--fw\n"
                        "Content-Type: message/rfc822\n"
                        "Content-Transfer-Encoding: 7bit\n"
                        "\n"
                        "From: b@example.org\n"
                        "Subject: inner\n"
                        "Content-Type: multipart/alternative; boundary=in\n"
                        "\n"
                        "--in\n"
                        "Content-Type: text/plain; charset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "=C3=A9t=C3=A9\n"
                        "--in--\n"
                        "--fw--\n"));
}

TEST(MimeConverter, ForwardedPlainMessageGetsItsOwnMimeVersion) {
  const Result r = Convert(
      "MIME-Version: 1.0\n"
      "Content-Type: message/rfc822\n"
      "\n"
      "Subject: inner, not MIME\n"
      "\n"
      "\xc3\xa9\n");
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\n"
                        "Content-Type: message/rfc822\n"
                        "\n"
                        "Subject: inner, not MIME\n"
                        "MIME-Version: 1.0\n"
                        "Content-Type: text/plain; charset=unknown-8bit\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "=C3=A9\n"));
}

TEST(MimeConverter, SevenBitLabelWithEightBitContentNeedsTheScan) {
  const std::string in =
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: 7bit\n"
      "\n"
      "ascii\n"
      "--b\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "Content-Transfer-Encoding: 7bit\n"
      "\n"
      "not \xc3\xa1scii\n"
      "--b\n"
      "Content-Type: text/plain; charset=utf-8\n"
      "\n"
      "no label, \xc3\xa9\n"
      "--b--\n";
  // One pass, as Postfix: the mislabelled parts go out as they are.
  const std::string one = OnePass(in);
  EXPECT_NE(one.find("not \xc3\xa1scii"), std::string::npos);

  const Result r = Convert(in);
  EXPECT_EQ(r.leaves, 3u);
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\n"
                        "Content-Type: multipart/mixed; boundary=b\n"
                        "\n"
                        "--b\n"
                        "Content-Type: text/plain; charset=utf-8\n"
                        "Content-Transfer-Encoding: 7bit\n"
                        "\n"
                        "ascii\n"
                        "--b\n"
                        "Content-Type: text/plain; charset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "not =C3=A1scii\n"
                        "--b\n"
                        "Content-Type: text/plain; charset=utf-8\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "no label, =C3=A9\n"
                        "--b--\n"));
  ExpectSevenBit(r.out);

  MimeScanner scan;
  scan.Feed(in);
  scan.Finish();
  EXPECT_EQ(scan.plan().leaf(0), 0);
  EXPECT_EQ(scan.plan().leaf(1), MimePlan::kEightBit);
  EXPECT_EQ(scan.plan().leaf(2), MimePlan::kEightBit);
  EXPECT_EQ(scan.plan().leaf(3), 0);  // out of range: nothing known
}

TEST(MimeConverter, OverlongLinesAndNulInSevenBitLeafAreEncoded) {
  const std::string longline(3000, 'L');
  const Result r = Convert(absl::StrCat("Subject: long\n\n", longline, "\nnul", std::string(1, '\0'), "\n"));
  EXPECT_EQ(r.out.substr(0, r.out.find("\r\n\r\n") + 4),
            Crlf("Subject: long\nMIME-Version: 1.0\nContent-Transfer-Encoding: quoted-printable\n\n"));
  ExpectSevenBit(r.out);
  const std::string body = r.out.substr(r.out.find("\r\n\r\n") + 4);
  for (absl::string_view l : absl::StrSplit(body, "\r\n")) EXPECT_LE(l.size(), 76u);
  EXPECT_EQ(DecodeQp(body), absl::StrCat(longline, "\r\nnul", std::string(1, '\0'), "\r\n"));
  // Without the scan the long line goes on to DataEncoder's folding.
  EXPECT_NE(OnePass(absl::StrCat("Subject: long\n\n", longline, "\n")).find(longline), std::string::npos);
}

TEST(MimeConverter, EncodedLeavesWithStrayEightBitOctets) {
  const Result r = Convert(
      "MIME-Version: 1.0\n"
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "preamble \xff\n"
      "--b\n"
      "Content-Transfer-Encoding: quoted-printable\n"
      "\n"
      "raw \xe9 and =E9\n"
      "--b\n"
      "Content-Transfer-Encoding: base64\n"
      "\n"
      "QUJD\xff\xfeREVG\n"
      "--b--\n"
      "epilogue \x80\n");
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\n"
                        "Content-Type: multipart/mixed; boundary=b\n"
                        "\n"
                        "preamble =FF\n"
                        "--b\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "raw =E9 and =E9\n"
                        "--b\n"
                        "Content-Transfer-Encoding: base64\n"
                        "\n"
                        "QUJDREVG\n"
                        "--b--\n"
                        "epilogue =80\n"));
}

TEST(MimeConverter, EightBitHeaderTextPassesAsItIs) {
  const Result r = Convert("Subject: caf\xc3\xa9\n\nplain\n");
  EXPECT_EQ(r.out, Crlf("Subject: caf\xc3\xa9\n\nplain\n"));
}

TEST(MimeConverter, NestingLimit) {
  auto nested = [](int levels) {
    std::string s = "MIME-Version: 1.0\n";
    for (int i = 0; i < levels; ++i)
      s += absl::StrCat("Content-Type: multipart/mixed; boundary=b", i, "\n\n--b", i, "\n");
    s += "Content-Transfer-Encoding: 8bit\n\n\xc3\xa9\n";
    return s;
  };
  MimeLimits limits;
  limits.nesting_limit = 5;
  Result r = Convert(nested(5), limits);
  EXPECT_EQ(r.error, nullptr);
  r = Convert(nested(6), limits);
  ASSERT_NE(r.error, nullptr);
  EXPECT_EQ(r.enhanced, "5.6.0");
  EXPECT_EQ(r.reason, "MIME nesting exceeds safety limit");
  ExpectSevenBit(r.out);  // still converted, for what it is worth

  EXPECT_EQ(Convert(nested(100)).error, nullptr);
  EXPECT_NE(Convert(nested(101)).error, nullptr);

  // Embedded messages count as levels too.
  std::string messages = "MIME-Version: 1.0\n";
  for (int i = 0; i < 6; ++i) messages += "Content-Type: message/rfc822\n\n";
  messages += "\nbody\n";
  EXPECT_NE(Convert(messages, limits).error, nullptr);

  // The scan pass finds it first, before anything is sent.
  MimeScanner scan(limits);
  scan.Feed(nested(6));
  scan.Finish();
  ASSERT_NE(scan.error(), nullptr);
  EXPECT_EQ(scan.error()->enhanced, "5.6.0");
}

TEST(MimeConverter, LongBoundaries) {
  const std::string b(3000, 'B');
  const std::string in = absl::StrCat("Content-Type: multipart/mixed; boundary=\"", b, "\"\n\n--", b,
                                      "\nContent-Transfer-Encoding: 8bit\n\n\xe9\n--", b, "--\nepilogue\n");
  const Result r = Convert(in);
  EXPECT_EQ(r.leaves, 1u);
  EXPECT_NE(r.out.find("\r\n=E9\r\n"), std::string::npos);
  EXPECT_NE(r.out.find(absl::StrCat("--", b, "--\r\nepilogue\r\n")), std::string::npos);

  // Past the limit boundaries are confused when they differ only there, as
  // Postfix documents for mime_boundary_length_limit.
  MimeLimits limits;
  limits.boundary_length_limit = 8;
  const std::string confusing =
      "Content-Type: multipart/mixed; boundary=abcdefgh-outer\n"
      "\n"
      "--abcdefgh-outer\n"
      "Content-Type: multipart/mixed; boundary=abcdefgh-inner\n"
      "\n"
      "--abcdefgh-inner\n"
      "\n"
      "inner part\n"
      "--abcdefgh-outer\n"  // taken for the inner boundary: a new inner part
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "\xe9\n"
      "--abcdefgh-outer--\n";
  const Result c = Convert(confusing, limits);
  EXPECT_EQ(c.leaves, 2u);
  EXPECT_NE(c.out.find("=E9"), std::string::npos);
  // Default limit: the same message has its structure.
  EXPECT_EQ(Convert(confusing).leaves, 2u);
}

TEST(MimeConverter, MissingCloseDelimiterResynchronises) {
  const Result r = Convert(
      "Content-Type: multipart/mixed; boundary=outer\n"
      "\n"
      "--outer\n"
      "Content-Type: multipart/alternative; boundary=inner\n"
      "\n"
      "--inner\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "\xe9 one\n"
      "--outer\n"  // closes the unclosed inner multipart too
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "\xe9 two\n"
      "--outer--\n"
      "tail\n");
  EXPECT_EQ(r.out, Crlf("Content-Type: multipart/mixed; boundary=outer\n"
                        "\n"
                        "--outer\n"
                        "Content-Type: multipart/alternative; boundary=inner\n"
                        "\n"
                        "--inner\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "=E9 one\n"
                        "--outer\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "=E9 two\n"
                        "--outer--\n"
                        "tail\n"));
}

TEST(MimeConverter, TruncatedPartAtTheEnd) {
  // No close delimiter, no final line break: the QP leaf ends with a soft
  // break, so the decoded part is exactly what was there.
  const Result r = Convert(
      "Content-Type: multipart/mixed; boundary=b\n"
      "\n"
      "--b\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "first\n"
      "cut \xc3\xa9");
  EXPECT_EQ(r.out, Crlf("Content-Type: multipart/mixed; boundary=b\n"
                        "\n"
                        "--b\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "\n"
                        "first\n"
                        "cut =C3=A9=\n"));
  // Cut inside a part header.
  const Result h = Convert("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/pl");
  EXPECT_EQ(h.out, Crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/pl\n"));
  // Cut in a plain body line.
  EXPECT_EQ(Convert("Subject: x\n\nno newline").out, Crlf("Subject: x\n\nno newline\n"));
  // Cut after the close delimiter without a line break.
  EXPECT_EQ(Convert("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--").out,
            Crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n"));
}

TEST(MimeConverter, UnterminatedHeaderBlock) {
  EXPECT_EQ(Convert("Subject: only headers\nX-A: 1").out, Crlf("Subject: only headers\nX-A: 1\n"));
  EXPECT_EQ(Convert("Subject: only headers\n  folded").out, Crlf("Subject: only headers\n  folded\n"));
  // Still relabelled: the body is empty.
  EXPECT_EQ(Convert("Content-Transfer-Encoding: 8bit\nSubject: x\n").out,
            Crlf("Content-Transfer-Encoding: quoted-printable\nSubject: x\nMIME-Version: 1.0\n"
                 "Content-Type: text/plain; charset=unknown-8bit\n"));
  EXPECT_EQ(Convert("").out, "");
  EXPECT_EQ(Convert("\n").out, "\r\n");
}

TEST(MimeConverter, LineWithoutColonEndsTheHeader) {
  // At the top a blank line goes in first, as Postfix does.
  Result r = Convert("Subject: x\nthis is body \xc3\xa9\nmore\n");
  EXPECT_EQ(r.out, Crlf("Subject: x\nMIME-Version: 1.0\nContent-Type: text/plain; charset=unknown-8bit\n"
                        "Content-Transfer-Encoding: quoted-printable\n\nthis is body =C3=A9\nmore\n"));
  // In a part it does not (signatures).
  r = Convert(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n"
      "garbage line\n\nrest\n--b--\n");
  EXPECT_EQ(r.out, Crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n"
                        "garbage line\n\nrest\n--b--\n"));
  // A boundary where a part header should be ends it: the part is empty.
  r = Convert(
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b\n\nx\n--b--\n");
  EXPECT_EQ(r.leaves, 2u);
  EXPECT_EQ(
      r.out,
      Crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n--b\n\nx\n--b--\n"));
}

TEST(MimeConverter, MultipartWithoutBoundaryIsALeaf) {
  const Result r = Convert(
      "MIME-Version: 1.0\nContent-Type: multipart/mixed\nContent-Transfer-Encoding: 8bit\n\n"
      "--b\n\xe9\n");
  EXPECT_EQ(r.leaves, 1u);
  EXPECT_EQ(r.out, Crlf("MIME-Version: 1.0\nContent-Type: multipart/mixed\n"
                        "Content-Transfer-Encoding: quoted-printable\n\n--b\n=E9\n"));
}

TEST(MimeConverter, DigestPartsDefaultToMessages) {
  const Result r = Convert(
      "Content-Type: multipart/digest; boundary=d\n\n"
      "--d\n"
      "\n"
      "Subject: one\n"
      "Content-Transfer-Encoding: 8bit\n"
      "\n"
      "\xe9\n"
      "--d--\n");
  EXPECT_EQ(r.out, Crlf("Content-Type: multipart/digest; boundary=d\n\n"
                        "--d\n"
                        "\n"
                        "Subject: one\n"
                        "Content-Transfer-Encoding: quoted-printable\n"
                        "MIME-Version: 1.0\n"
                        "Content-Type: text/plain; charset=unknown-8bit\n"
                        "\n"
                        "=E9\n"
                        "--d--\n"));
}

TEST(MimeConverter, LineBreaks) {
  const std::string lf =
      "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Transfer-Encoding: 8bit\n\n\xe9\n--b--\n";
  const std::string crlf = Crlf(lf);
  EXPECT_EQ(Convert(lf).out, Convert(crlf).out);
  // Mixed, and a bare CR: CRLF outside encoded leaves (as DataEncoder would
  // make it), data inside them.
  EXPECT_EQ(Convert("Subject: a\rb\r\n\r\nx\ry\n").out, Crlf("Subject: a\nb\n\nx\ny\n"));
  EXPECT_EQ(Convert("Content-Transfer-Encoding: 8bit\n\nx\ry\r\n").out,
            Crlf("Content-Transfer-Encoding: quoted-printable\nMIME-Version: 1.0\n"
                 "Content-Type: text/plain; charset=unknown-8bit\n\nx=0Dy\n"));
  // A CR at the very end ends the last line.
  EXPECT_EQ(Convert("Subject: a\n\nx\r").out, Crlf("Subject: a\n\nx\n"));
}

TEST(MimeConverter, VeryLongLinesAreHandledInPieces) {
  // Longer than any piece the converter takes at once.
  std::string big;
  for (int i = 0; i < 50000; ++i) big.push_back(static_cast<char>(i % 2 ? '\xe9' : ' '));
  const Result r =
      Convert(absl::StrCat("Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                           "Content-Transfer-Encoding: 8bit\n\n",
                           big, "\n--b--\n"));
  ExpectSevenBit(r.out);
  const std::vector<std::string> body = BodyLines(r.out, "Content-Transfer-Encoding: quoted-printable");
  std::string encoded;
  for (size_t i = 1; i < body.size(); ++i) {  // after the blank line
    EXPECT_LE(body[i].size(), 76u);
    encoded += body[i] + "\r\n";
  }
  EXPECT_EQ(DecodeQp(encoded), big + "\r\n");
  EXPECT_NE(r.out.find("\r\n--b--\r\n"), std::string::npos);

  // A long passthrough line and a long header field come out whole.
  const std::string plain(40000, 'p');
  EXPECT_EQ(OnePass(absl::StrCat("X-Long: ", plain, "\n\n", plain, "\n")),
            absl::StrCat("X-Long: ", plain, "\r\n\r\n", plain, "\r\n"));
}

// Lines longer than the piece the converter takes at once (8 KiB), with
// CRs just before, at and after the piece edges: a CR that ends a piece
// may be the first half of a CRLF.
TEST(MimeConverter, CrAtPieceEdges) {
  for (size_t at : {8190, 8191, 8192, 8193, 16383, 16384}) {
    for (const char* brk : {"\r\n", "\r", "\r\r\n"}) {
      std::string line(20000, 'a');
      line[100] = '\xe9';
      std::string header_line(20000, 'h');
      std::string text = line.substr(0, at) + brk + line.substr(at);
      std::string field = "X-Long: " + header_line.substr(0, at) + brk + " " + header_line.substr(at);
      const std::string in =
          absl::StrCat(field, "\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n",
                       "Content-Transfer-Encoding: 8bit\r\n\r\n", text, "\r\n--b\r\n\r\n",
                       std::string(at, 'p'), brk, "tail\r\n--b--");
      const Result r = Convert(in);  // same for every chunking
      ExpectSevenBit(r.out, false, /*long_lines=*/true);
      EXPECT_EQ(r.leaves, 2u);
      EXPECT_NE(r.out.find("\r\n--b--\r\n"), std::string::npos);
      // The second part has a long line, so it is encoded: there a bare CR
      // is data (=0D), not a line break.
      if (std::string(brk) == "\r") {
        EXPECT_NE(DecodeQp(r.out).find("p\rtail\r\n"), std::string::npos);
      } else {
        EXPECT_NE(r.out.find("\r\ntail\r\n"), std::string::npos);
      }
    }
  }
}

TEST(MimeConverter, HugeHeaderFieldsPassAndMemoryStaysBounded) {
  MimeLimits limits;
  limits.header_limit = 1024;
  std::string folded = "X-Huge: start\n";
  for (int i = 0; i < 500; ++i) folded += " continuation line of a huge field\n";
  const std::string in =
      absl::StrCat("Content-Transfer-Encoding: 8bit\n", folded, "Content-Type: text/plain\n\n\xe9\n");
  const Result r = Convert(in, limits);
  // Held fields beyond the limit go out; the CTE follows at the end.
  EXPECT_EQ(r.out,
            Crlf(absl::StrCat(folded, "Content-Type: text/plain\n",
                              "Content-Transfer-Encoding: quoted-printable\nMIME-Version: 1.0\n\n=E9\n")));
  // A huge Content-Type is parsed from its first header_limit octets.
  std::string ct = "Content-Type: multipart/mixed; boundary=b";
  for (int i = 0; i < 100; ++i) ct += ";\n x-param-" + std::to_string(i) + "=\"some value here\"";
  const Result m =
      Convert(absl::StrCat(ct, "\n\n--b\nContent-Transfer-Encoding: 8bit\n\n\xe9\n--b--\n"), limits);
  EXPECT_EQ(m.leaves, 1u);
  ExpectSevenBit(m.out);
}

// Random MIME-ish input: whatever the mess, the converter must not crash,
// must give the same output for any chunking, and must keep its promises.
TEST(MimeConverter, RandomInputs) {
  const std::vector<std::string> pieces = {
      "Content-Type: multipart/mixed; boundary=a\n",
      "Content-Type: multipart/alternative; boundary=\"b\"\n",
      "Content-Type: message/rfc822\n",
      "Content-Type: multipart/digest; boundary=a\n",
      "Content-Type: text/plain\n",
      "Content-Transfer-Encoding: 8bit\n",
      "Content-Transfer-Encoding: 7bit\n",
      "Content-Transfer-Encoding: base64\n",
      "Content-Transfer-Encoding: quoted-printable\n",
      "Content-Transfer-Encoding:\n binary\n",
      "MIME-Version: 1.0\n",
      "Subject: s\n",
      " folded\n",
      "\n",
      "\r\n",
      "--a\n",
      "--a--\n",
      "--b\n",
      "--b--\n",
      "body text = \n",
      "caf\xc3\xa9\n",
      "\xff\xfe\x80\n",
      "no newline",
      "\r",
      "junk line without colon\n",
      std::string(1200, 'x') + "\n",
      "tab\t\n",
  };
  std::mt19937 rng(12345);
  for (int round = 0; round < 1000; ++round) {
    std::string in;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) in += pieces[rng() % pieces.size()];
    MimeLimits limits;
    limits.nesting_limit = 1 + rng() % 4;
    const Result r = Convert(in, limits);
    // No piece with 8-bit octets can be a header field, so all must be
    // encoded; long lines may stay in preambles.
    ExpectSevenBit(r.out, /*headers_8bit=*/false, /*long_lines=*/true);
    if (HasFailure()) {
      ADD_FAILURE() << "input: " << absl::CEscape(in);
      return;
    }
  }
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

// BINARYMIME content converted for a server without BINARYMIME: a bare LF in
// a binary leaf is data, so the part decodes to exactly the same octets.
TEST(MimeConverter, ExactLineBreaksForBinaryContent) {
  const std::string in =
      std::string("Content-Transfer-Encoding: binary\r\n\r\na\nb\r\nc") + std::string(1, '\0');
  MimeLimits limits;
  limits.exact_line_breaks = true;
  EXPECT_EQ(Convert(in, limits).out,
            "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=unknown-8bit\r\n\r\na=0Ab\r\nc=00=\r\n");
  EXPECT_EQ(Convert(in).out,
            "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=unknown-8bit\r\n\r\na\r\nb\r\nc=00=\r\n");
}

}  // namespace
}  // namespace mxd
