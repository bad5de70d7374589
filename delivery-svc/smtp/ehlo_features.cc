#include "delivery-svc/smtp/ehlo_features.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace mxd {

EhloFeatures ParseEhloFeatures(const SmtpReply& reply) {
  EhloFeatures f;
  f.esmtp = reply.positive();
  const size_t n = std::min(reply.lines.size(), EhloFeatures::kMaxKeywords + 1);
  for (size_t i = 1; i < n; ++i) {
    absl::string_view line = reply.lines[i];
    line = line.size() > 4 ? line.substr(4) : absl::string_view();
    std::vector<absl::string_view> words = absl::StrSplit(line, absl::ByAnyChar(" ="), absl::SkipEmpty());
    if (words.empty()) continue;
    const std::string kw = absl::AsciiStrToUpper(words[0]);
    if (kw == "PIPELINING") {
      f.pipelining = true;
    } else if (kw == "SIZE") {
      f.size = true;
      uint64_t limit = 0;
      if (words.size() > 1 && absl::SimpleAtoi(words[1], &limit)) f.size_limit = limit;
    } else if (kw == "8BITMIME") {
      f.eightbitmime = true;
    } else if (kw == "SMTPUTF8") {
      f.smtputf8 = true;
    } else if (kw == "DSN") {
      f.dsn = true;
    } else if (kw == "ENHANCEDSTATUSCODES") {
      f.enhancedstatuscodes = true;
    } else if (kw == "STARTTLS") {
      f.starttls = true;
    } else if (kw == "CHUNKING") {
      f.chunking = true;
    } else if (kw == "BINARYMIME") {
      f.binarymime = true;
    } else if (kw == "AUTH") {
      for (size_t w = 1; w < words.size(); ++w) {
        std::string mech = absl::AsciiStrToUpper(words[w]);
        if (std::find(f.auth_mechanisms.begin(), f.auth_mechanisms.end(), mech) == f.auth_mechanisms.end()) {
          f.auth_mechanisms.push_back(std::move(mech));
        }
      }
    }
  }
  return f;
}

}  // namespace mxd
