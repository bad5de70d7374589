// Text that leaves mxd (outcome reasons, transcripts, log fields, resolver
// reasons) is valid UTF-8, always: proto3 string fields, JSON and the
// callers' parsers demand it, while SMTP servers and DNS zones send any
// octets (Latin-1 greetings, binary junk).
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace mxd {

// Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF) at the start of `s`; 0 when `s` does
// not start with one.
size_t Utf8SequenceLength(absl::string_view s);

bool IsValidUtf8(absl::string_view s);

// Postfix's printable(s, '?') with UTF-8 enabled: printable ASCII and
// well-formed UTF-8 sequences of non-control characters stay as they are;
// every other octet (control characters, DEL, C1 controls, bytes of an
// ill-formed sequence such as Latin-1 text) becomes '?', one per octet.
std::string Printable(absl::string_view s, char replacement = '?');

// `s` itself when it is valid UTF-8, else Printable(s): for strings that
// reach a caller and are UTF-8 already in the normal case.
std::string ValidUtf8(absl::string_view s);

}  // namespace mxd
