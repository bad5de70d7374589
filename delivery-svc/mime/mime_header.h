// The little MIME header parsing the 8BITMIME-to-7BIT converter needs
// (mime_converter.h): where a header field name ends, Content-Type's
// type/subtype and boundary (RFC 2045 section 5.1; quoted values, comments;
// no RFC 2231 continuations, as Postfix), and Content-Transfer-Encoding.
// Values are unfolded: the caller joins a field's lines without their line
// breaks, and the whitespace that starts each continuation line remains.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace mxd {

// When `line` starts a header field ("Name:" or the obsolete "Name :"),
// the offset just past the colon; else 0. A name is printable ASCII
// without ":" (RFC 5322 ftext).
size_t HeaderFieldValueOffset(absl::string_view line);

// True when the field starting `line` is called `name` (ASCII, any case).
bool HeaderFieldIs(absl::string_view line, absl::string_view name);

enum class TransferEncoding { kNone, k7Bit, k8Bit, kBinary, kQuotedPrintable, kBase64, kOther };

// The Content-Transfer-Encoding value; kOther for anything unknown.
TransferEncoding ParseTransferEncoding(absl::string_view value);

struct ContentType {
  bool valid = false;   // "type/subtype" was there; RFC 2045 5.2: else text/plain
  std::string type;     // lower case
  std::string subtype;  // lower case
  bool has_boundary = false;
  std::string boundary;  // unquoted, trailing white space removed
};

ContentType ParseContentType(absl::string_view value);

}  // namespace mxd
