// 8BITMIME to 7BIT at the edges: Postfix's limits, malformed and truncated
// MIME, line breaks, huge lines and fields, random input, binary content.
#include "tests/unit/mime_test_helpers.h"

namespace mxd {
namespace {

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
