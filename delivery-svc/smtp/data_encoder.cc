#include "delivery-svc/smtp/data_encoder.h"

#include <algorithm>
#include <cstring>

namespace mxd {

void DataEncoder::EndLine(std::string* out) {
  out->append("\r\n");
  line_length_ = 0;
}

namespace {

// The first `c` at or after `from`, or the end.
size_t Find(absl::string_view chunk, char c, size_t from) {
  const void* p = std::memchr(chunk.data() + from, c, chunk.size() - from);
  return p == nullptr ? chunk.size() : static_cast<size_t>(static_cast<const char*>(p) - chunk.data());
}

}  // namespace

void DataEncoder::Encode(absl::string_view chunk, std::string* out) {
  out->reserve(out->size() + chunk.size() + chunk.size() / 64 + 8);
  // Where the next CR and LF are, each found with memchr and again only
  // once passed: line ends are found at memchr's speed, and a chunk with
  // only one kind of line end is still scanned once.
  size_t next_cr = Find(chunk, '\r', 0), next_lf = Find(chunk, '\n', 0);
  size_t i = 0;
  while (i < chunk.size()) {
    const char c = chunk[i];
    if (pending_cr_) {
      pending_cr_ = false;
      EndLine(out);  // CRLF, or a bare CR: either way one line break
      if (c == '\n') {
        ++i;
        continue;
      }
    }
    if (c == '\r') {
      pending_cr_ = true;
      ++i;
      continue;
    }
    if (c == '\n') {
      EndLine(out);
      ++i;
      continue;
    }
    if (dot_stuff_ && line_length_ == 0 && c == '.') {
      out->push_back('.');
      ++line_length_;
    }
    // Copy the run of ordinary octets up to the next line break, breaking
    // it where it would pass the limit.
    if (next_cr < i) next_cr = Find(chunk, '\r', i);
    if (next_lf < i) next_lf = Find(chunk, '\n', i);
    const size_t end = std::min(next_cr, next_lf);
    while (i < end) {
      if (line_length_ >= limit_) {
        out->append("\r\n ");
        line_length_ = 1;
      }
      const size_t n = std::min(end - i, limit_ - line_length_);
      out->append(chunk.data() + i, n);
      line_length_ += n;
      i += n;
    }
  }
}

void DataEncoder::Finish(std::string* out) {
  if (pending_cr_ || line_length_ > 0) EndLine(out);
  pending_cr_ = false;
}

}  // namespace mxd
