#include "delivery-svc/smtp/data_encoder.h"

#include <algorithm>

namespace mxd {

void DataEncoder::EndLine(std::string* out) {
  out->append("\r\n");
  line_length_ = 0;
}

void DataEncoder::Encode(absl::string_view chunk, std::string* out) {
  out->reserve(out->size() + chunk.size() + chunk.size() / 64 + 8);
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
    size_t end = i;
    while (end < chunk.size() && chunk[end] != '\r' && chunk[end] != '\n') ++end;
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
