#include "delivery-svc/tls/tls_protocols.h"

#include <openssl/ssl.h>

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mxd {
namespace {

struct Protocol {
  absl::string_view name;
  int version;
};
// In order, oldest first. SSLv2/SSLv3 parse (Postfix's defaults name them)
// but are never enabled.
constexpr Protocol kProtocols[] = {
    {"sslv2", 0},
    {"sslv3", 0},
    {"tlsv1", TLS1_VERSION},
    {"tlsv1.1", TLS1_1_VERSION},
    {"tlsv1.2", TLS1_2_VERSION},
    {"tlsv1.3", TLS1_3_VERSION},
};
constexpr size_t kCount = sizeof(kProtocols) / sizeof(kProtocols[0]);

int IndexOf(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  for (size_t i = 0; i < kCount; ++i) {
    if (kProtocols[i].name == n) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

absl::StatusOr<TlsProtocolRange> ParseTlsProtocols(absl::string_view spec) {
  std::vector<bool> allowed(kCount, true);
  std::vector<bool> named(kCount, false);
  bool any_named = false;
  for (absl::string_view word : absl::StrSplit(spec, absl::ByAnyChar(", \t:"), absl::SkipEmpty())) {
    absl::string_view name = word;
    enum { kName, kNot, kAtLeast, kAtMost } op = kName;
    if (absl::ConsumePrefix(&name, "!")) {
      op = kNot;
    } else if (absl::ConsumePrefix(&name, ">=")) {
      op = kAtLeast;
    } else if (absl::ConsumePrefix(&name, "<=")) {
      op = kAtMost;
    }
    const int i = IndexOf(name);
    if (i < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown TLS protocol \"", name, "\" (expected SSLv2, SSLv3, TLSv1, TLSv1.1, TLSv1.2, TLSv1.3)"));
    }
    for (size_t j = 0; j < kCount; ++j) {
      const int k = static_cast<int>(j);
      if ((op == kNot && k == i) || (op == kAtLeast && k < i) || (op == kAtMost && k > i)) allowed[j] = false;
    }
    if (op == kName) {
      named[static_cast<size_t>(i)] = true;
      any_named = true;
    }
  }
  TlsProtocolRange r;
  for (size_t j = 0; j < kCount; ++j) {
    if (!allowed[j] || (any_named && !named[j]) || kProtocols[j].version == 0) continue;
    if (r.min_version == 0) r.min_version = kProtocols[j].version;
    r.max_version = kProtocols[j].version;
  }
  if (r.min_version == 0) {
    return absl::InvalidArgumentError(absl::StrCat("TLS protocols \"", spec, "\" leave no protocol enabled"));
  }
  return r;
}

absl::StatusOr<std::string> CipherGradeList(absl::string_view grade) {
  const std::string g = absl::AsciiStrToLower(absl::StripAsciiWhitespace(grade));
  if (g == "high") return std::string("aNULL:-aNULL:HIGH:@STRENGTH");
  if (g == "medium" || g.empty()) return std::string("aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH");
  if (g == "low" || g == "export") return std::string("aNULL:-aNULL:ALL:+RC4:@STRENGTH");
  if (g == "null") return std::string("eNULL:!aNULL");
  return absl::InvalidArgumentError(
      absl::StrCat("unknown cipher grade \"", grade, "\" (expected high, medium, low, export or null)"));
}

}  // namespace mxd
