// 8BITMIME to 7BIT: what the converter does to well-formed messages.
// Limits and malformed input: mime_converter_limits_test.cc.
#include "tests/unit/mime_test_helpers.h"

namespace mxd {
namespace {

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

}  // namespace
}  // namespace mxd
