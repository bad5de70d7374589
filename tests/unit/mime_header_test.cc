#include "delivery-svc/mime/mime_header.h"

#include "gtest/gtest.h"

namespace mxd {
namespace {

TEST(MimeHeader, FieldNames) {
  EXPECT_EQ(HeaderFieldValueOffset("Subject: x"), 8u);
  EXPECT_EQ(HeaderFieldValueOffset("Subject : x"), 9u);  // obsolete form
  EXPECT_EQ(HeaderFieldValueOffset("X-A:"), 4u);
  EXPECT_EQ(HeaderFieldValueOffset("no colon here"), 0u);
  EXPECT_EQ(HeaderFieldValueOffset(" folded: x"), 0u);
  EXPECT_EQ(HeaderFieldValueOffset(":x"), 0u);
  EXPECT_EQ(HeaderFieldValueOffset("na\xc3\xa9me: x"), 0u);
  EXPECT_TRUE(HeaderFieldIs("content-TYPE: text/plain", "Content-Type"));
  EXPECT_TRUE(HeaderFieldIs("Content-Type :x", "Content-Type"));
  EXPECT_FALSE(HeaderFieldIs("Content-Types: x", "Content-Type"));
  EXPECT_FALSE(HeaderFieldIs("Content-Type", "Content-Type"));
}

TEST(MimeHeader, TransferEncoding) {
  EXPECT_EQ(ParseTransferEncoding(" 8bit"), TransferEncoding::k8Bit);
  EXPECT_EQ(ParseTransferEncoding(" 8BIT (comment)"), TransferEncoding::k8Bit);
  EXPECT_EQ(ParseTransferEncoding("(c) Quoted-Printable"), TransferEncoding::kQuotedPrintable);
  EXPECT_EQ(ParseTransferEncoding("\r\n\tbase64"), TransferEncoding::kBase64);
  EXPECT_EQ(ParseTransferEncoding(" binary"), TransferEncoding::kBinary);
  EXPECT_EQ(ParseTransferEncoding(" 7bit"), TransferEncoding::k7Bit);
  EXPECT_EQ(ParseTransferEncoding(" x-uuencode"), TransferEncoding::kOther);
  EXPECT_EQ(ParseTransferEncoding(""), TransferEncoding::kOther);
}

TEST(MimeHeader, ContentType) {
  ContentType ct = ParseContentType(" Multipart/Mixed; boundary=\"=_a b\\\"c\"; charset=x");
  EXPECT_TRUE(ct.valid);
  EXPECT_EQ(ct.type, "multipart");
  EXPECT_EQ(ct.subtype, "mixed");
  EXPECT_TRUE(ct.has_boundary);
  EXPECT_EQ(ct.boundary, "=_a b\"c");

  ct = ParseContentType(" multipart/alternative;\t BOUNDARY = simple-1 ; x=\"a;b\"");
  EXPECT_EQ(ct.boundary, "simple-1");
  ct = ParseContentType(" multipart/mixed; x=\"boundary=no\"; boundary=yes");
  EXPECT_EQ(ct.boundary, "yes");
  ct = ParseContentType(" multipart / mixed (comment) ; (c) boundary=b");
  EXPECT_EQ(ct.type, "multipart");
  EXPECT_EQ(ct.subtype, "mixed");
  EXPECT_EQ(ct.boundary, "b");
  ct = ParseContentType(" multipart/mixed; boundary=b1; boundary=b2");
  EXPECT_EQ(ct.boundary, "b1");

  ct = ParseContentType(" multipart/mixed");
  EXPECT_FALSE(ct.has_boundary);
  ct = ParseContentType(" text");
  EXPECT_FALSE(ct.valid);
  ct = ParseContentType("");
  EXPECT_FALSE(ct.valid);
  ct = ParseContentType(" message/rfc822");
  EXPECT_EQ(ct.subtype, "rfc822");
  // A backslash as the last octet of a comment or quoted string (found by
  // fuzzing: it used to step past the end).
  for (const char* v : {" multipart/mixed; x=\"a\\", " multipart/mixed (c\\", " text/plain; a=\"\\\\\\",
                        " x/y; (\\", "(\\"}) {
    (void)ParseContentType(v);
    (void)ParseTransferEncoding(v);
  }
  ct = ParseContentType(" multipart/mixed; x=\"a\\");
  EXPECT_FALSE(ct.has_boundary);
  // Unterminated quote: the rest of the value.
  ct = ParseContentType(" multipart/mixed; boundary=\"abc");
  EXPECT_EQ(ct.boundary, "abc");
}

}  // namespace
}  // namespace mxd
