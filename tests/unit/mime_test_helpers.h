// What the MIME converter's unit tests share: running the converter over
// input cut every which way, and checking its promises on the output.
#pragma once

#include <random>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "delivery-svc/mime/mime_converter.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

inline std::string Crlf(absl::string_view s) { return absl::StrReplaceAll(s, {{"\n", "\r\n"}}); }

// Chunk sizes to cut the input into: 0 means "all at once".
inline std::vector<size_t> Cuts(size_t size, int how) {
  std::vector<size_t> cuts;
  if (how == 0) return {size};
  if (how == 1) return std::vector<size_t>(size, 1);
  std::mt19937 rng(how);
  const size_t max = how % 2 == 0 ? 7 : 3000;
  for (size_t done = 0; done < size;) {
    const size_t n = std::min<size_t>(size - done, 1 + rng() % max);
    cuts.push_back(n);
    done += n;
  }
  return cuts;
}

struct Result {
  std::string out;
  const MimeError* error = nullptr;  // only for "is there one"
  std::string reason;
  std::string enhanced;
  size_t leaves = 0;
};

inline Result RunOnce(absl::string_view in, int how, bool two_pass, MimeLimits limits) {
  const std::vector<size_t> cuts = Cuts(in.size(), how);
  MimeScanner scan(limits);
  MimePlan plan;
  Result r;
  if (two_pass) {
    size_t at = 0;
    for (size_t n : cuts) {
      scan.Feed(in.substr(at, n));
      at += n;
    }
    scan.Finish();
    plan = scan.plan();
    r.leaves = plan.leaves();
    if (scan.error() != nullptr) r.reason = "scan: " + scan.error()->reason;
  }
  MimeConverter convert(plan, limits);
  size_t at = 0;
  for (size_t n : cuts) {
    convert.Feed(in.substr(at, n), &r.out);
    at += n;
  }
  convert.Finish(&r.out);
  if (convert.error() != nullptr) {
    r.error = convert.error();
    r.enhanced = convert.error()->enhanced;
    r.reason = convert.error()->reason;
  }
  return r;
}

// Every line ends in CRLF, no octet over 127 (unless `headers_8bit`), no
// line over 998 octets (unless `long_lines`: passthrough text is left to
// DataEncoder).
inline void ExpectSevenBit(const std::string& out, bool headers_8bit = false, bool long_lines = false) {
  size_t line = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(out[i]);
    if (!headers_8bit) {
      ASSERT_LT(c, 128) << "at " << i;
    }
    if (c == '\r') {
      ASSERT_TRUE(i + 1 < out.size() && out[i + 1] == '\n') << "bare CR at " << i;
      ++i;
      line = 0;
      continue;
    }
    ASSERT_NE(c, '\n') << "bare LF at " << i;
    if (++line > 998 && !long_lines) {
      ASSERT_LE(line, 998u) << "at " << i;
    }
  }
  if (!out.empty()) {
    EXPECT_TRUE(out.size() >= 2 && out.substr(out.size() - 2) == "\r\n");
  }
}

// Scan + convert, fed whole, byte by byte and in random pieces: the results
// must all be the same. Returns the one result.
inline Result Convert(absl::string_view in, MimeLimits limits = {}, bool two_pass = true) {
  Result whole = RunOnce(in, 0, two_pass, limits);
  for (int how : {1, 2, 3, 4, 5}) {
    Result r = RunOnce(in, how, two_pass, limits);
    EXPECT_EQ(r.out, whole.out) << "split " << how;
    EXPECT_EQ(r.reason, whole.reason) << "split " << how;
    EXPECT_EQ(r.leaves, whole.leaves) << "split " << how;
  }
  return whole;
}

std::string OnePass(absl::string_view in) { return Convert(in, {}, /*two_pass=*/false).out; }

// The lines of `s` between the line `from` (exclusive) and the next line
// starting with "--" (or the end).
inline std::vector<std::string> BodyLines(const std::string& s, absl::string_view from) {
  std::vector<std::string> lines = absl::StrSplit(s, "\r\n");
  std::vector<std::string> body;
  bool in = false;
  for (const std::string& l : lines) {
    if (in && absl::StartsWith(l, "--")) break;
    if (in) body.push_back(l);
    if (l == from) in = true;
  }
  return body;
}

inline std::string DecodeQp(absl::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '=' && in.substr(i + 1, 2) == "\r\n") {
      i += 2;
    } else if (in[i] == '=' && i + 2 < in.size()) {
      out.push_back(static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(in[i]);
    }
  }
  return out;
}

}  // namespace
}  // namespace mxd
