// Streaming quoted-printable encoder (RFC 2045 section 6.7) for 8-bit body
// text sent to a server without 8BITMIME (see mime_converter.h). The caller
// hands it pieces of lines and says where the hard line breaks are, so the
// encoder never needs to see a whole line. Output: CRLF line breaks, encoded
// lines of at most 76 characters with "=" soft breaks, "=" and octets outside
// printable ASCII as =XX, and a space or tab at the end of a line as =20/=09.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace mxd {

class QuotedPrintableEncoder {
 public:
  static constexpr size_t kMaxLineLength = 76;  // RFC 2045, without the CRLF

  // Appends the encoding of `text`, part of a line: no line break in it.
  // A CR or LF in `text` is encoded as data (=0D, =0A).
  void Text(absl::string_view text, std::string* out);
  // A hard line break: ends the encoded line with CRLF.
  void LineBreak(std::string* out);
  // Ends the content. A last line without a hard break ends with a soft
  // one, so decoding gives back exactly the octets that went in.
  void Finish(std::string* out);

 private:
  void Reserve(size_t width, std::string* out);
  void FlushSpace(bool encode, std::string* out);

  size_t line_length_ = 0;    // characters on the current encoded line
  bool soft_broken_ = false;  // the current encoded line follows a soft break
  char space_ = 0;            // a space or tab held back: literal unless the line ends
};

}  // namespace mxd
