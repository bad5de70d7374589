// The message content as it goes on the wire inside DATA (Postfix's
// smtp_proto.c body loop): every line break in the input (CRLF, bare LF or
// bare CR) becomes CRLF, so no server can see a different end of data than
// we mean (SMTP smuggling); lines starting with "." are dot-stuffed; lines
// longer than the limit are broken by inserting CRLF SPACE, as Postfix's
// smtp_line_length_limit does. Streaming: input in chunks of any split.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace mxd {

class DataEncoder {
 public:
  // `dot_stuff` is off for BDAT (RFC 3030), where no line ends the content.
  explicit DataEncoder(size_t line_length_limit = 998, bool dot_stuff = true)
      : limit_(std::max<size_t>(line_length_limit, 2)), dot_stuff_(dot_stuff) {}  // 1 could never end a line

  // Appends the wire form of `chunk` to `out`.
  void Encode(absl::string_view chunk, std::string* out);
  // Ends the content with a line break if it did not end with one. The
  // caller then sends ".\r\n".
  void Finish(std::string* out);

 private:
  void EndLine(std::string* out);

  size_t limit_;
  bool dot_stuff_;
  size_t line_length_ = 0;   // octets on the current output line
  bool pending_cr_ = false;  // a CR whose LF may be in the next chunk
};

}  // namespace mxd
