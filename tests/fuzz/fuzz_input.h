// Reads a fuzzer's input as a sequence of choices and byte strings, so one
// input can describe random splits and events as well as the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/strings/string_view.h"

namespace mxd::fuzz {

class Input {
 public:
  Input(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool empty() const { return p_ >= end_; }
  uint8_t Byte() { return empty() ? 0 : *p_++; }
  // Up to `max` octets (at least 1 while input remains).
  absl::string_view Take(size_t max) {
    const size_t left = static_cast<size_t>(end_ - p_);
    const size_t n = std::min(left, std::max<size_t>(1, max));
    absl::string_view s(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return s;
  }
  absl::string_view Rest() { return Take(static_cast<size_t>(end_ - p_)); }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

// Aborts with a message: libFuzzer reports it as a crash.
[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  __builtin_trap();
}

}  // namespace mxd::fuzz
