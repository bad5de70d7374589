// Postfix's limits on MIME structure, as the 8BITMIME-to-7BIT converter
// applies them.
#pragma once

#include <cstddef>

namespace mxd {

struct MimeLimits {
  size_t nesting_limit = 100;           // Postfix mime_nesting_limit
  size_t boundary_length_limit = 2048;  // Postfix mime_boundary_length_limit
  size_t header_limit = 64 * 1024;      // octets of one header field kept
  // BINARYMIME content: inside quoted-printable leaves only CRLF is a line
  // break and a bare LF is data (=0A), so binary parts decode exactly. (The
  // spool otherwise takes any line-break convention.)
  bool exact_line_breaks = false;
};

}  // namespace mxd
