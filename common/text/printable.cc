#include "common/text/printable.h"

namespace mxd {
namespace {

bool Continuation(unsigned char c) { return (c & 0xc0) == 0x80; }

}  // namespace

size_t Utf8SequenceLength(absl::string_view s) {
  if (s.empty()) return 0;
  const unsigned char c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return 1;
  // Allowed ranges for the second octet follow RFC 3629's table: they rule
  // out overlong forms (E0, F0), surrogates (ED) and code points past
  // U+10FFFF (F4).
  size_t n;
  unsigned char lo = 0x80, hi = 0xbf;
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;  // a continuation octet, C0/C1 (overlong) or F5..FF
  }
  if (s.size() < n) return 0;
  const unsigned char second = static_cast<unsigned char>(s[1]);
  if (second < lo || second > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (!Continuation(static_cast<unsigned char>(s[i]))) return 0;
  }
  return n;
}

bool IsValidUtf8(absl::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string Printable(absl::string_view s, char replacement) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const size_t n = Utf8SequenceLength(s.substr(i));
    if (n == 1) {
      out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : replacement);
      ++i;
    } else if (n == 0) {
      out.push_back(replacement);
      ++i;
    } else if (c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0) {
      out.append(n, replacement);  // a C1 control character (U+0080..U+009F)
      i += n;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

std::string ValidUtf8(absl::string_view s) { return IsValidUtf8(s) ? std::string(s) : Printable(s); }

}  // namespace mxd
