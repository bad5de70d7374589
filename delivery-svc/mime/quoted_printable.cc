#include "delivery-svc/mime/quoted_printable.h"

#include <algorithm>
#include <array>

namespace mxd {
namespace {

constexpr char kHex[] = "0123456789ABCDEF";

// Octets that stand for themselves (RFC 2045 rule 2: "!" through "~" but
// "="). Space and tab are literal too, but only inside a line: see space_.
constexpr std::array<bool, 256> MakeLiteral() {
  std::array<bool, 256> t{};
  for (int c = 33; c <= 126; ++c) t[c] = c != '=';
  return t;
}
constexpr std::array<bool, 256> kLiteral = MakeLiteral();

// Room for the "=" of a soft break must remain on every encoded line.
constexpr size_t kRoom = QuotedPrintableEncoder::kMaxLineLength - 1;

}  // namespace

void QuotedPrintableEncoder::Reserve(size_t width, std::string* out) {
  if (line_length_ + width <= kRoom) return;
  out->append("=\r\n");
  line_length_ = 0;
  soft_broken_ = true;
}

void QuotedPrintableEncoder::FlushSpace(bool encode, std::string* out) {
  if (space_ == 0) return;
  if (encode) {
    Reserve(3, out);
    out->append(space_ == ' ' ? "=20" : "=09");
    line_length_ += 3;
  } else {
    Reserve(1, out);
    out->push_back(space_);
    ++line_length_;
  }
  space_ = 0;
}

void QuotedPrintableEncoder::Text(absl::string_view text, std::string* out) {
  out->reserve(out->size() + text.size() + text.size() / 4 + 8);
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\t') {
      FlushSpace(false, out);  // followed by this one: not at the end of a line
      space_ = static_cast<char>(c);
      ++i;
      continue;
    }
    FlushSpace(false, out);
    if (kLiteral[c]) {
      Reserve(1, out);
      // A line that starts with "--" after our soft break could read as a
      // MIME boundary where the sender wrote none: encode that "-".
      if (!(c == '-' && line_length_ == 0 && soft_broken_)) {
        // Copy the run of literal octets that fits on this line at once.
        size_t end = i + 1;
        const size_t max_end = i + (kRoom - line_length_);
        while (end < text.size() && end < max_end && kLiteral[static_cast<unsigned char>(text[end])]) ++end;
        out->append(text.data() + i, end - i);
        line_length_ += end - i;
        i = end;
        continue;
      }
    }
    Reserve(3, out);
    const char hex[3] = {'=', kHex[c >> 4], kHex[c & 0xf]};
    out->append(hex, 3);
    line_length_ += 3;
    ++i;
  }
}

void QuotedPrintableEncoder::LineBreak(std::string* out) {
  FlushSpace(true, out);
  out->append("\r\n");
  line_length_ = 0;
  soft_broken_ = false;
}

void QuotedPrintableEncoder::Finish(std::string* out) {
  if (space_ != 0 || line_length_ > 0) {
    FlushSpace(true, out);
    out->append("=\r\n");
  }
  line_length_ = 0;
  soft_broken_ = false;
}

}  // namespace mxd
