#include "delivery-svc/tls/tls_level.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace mxd {

absl::StatusOr<TlsLevel> ParseTlsLevel(absl::string_view name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n.empty() || n == "none") return TlsLevel::kNone;
  if (n == "may") return TlsLevel::kMay;
  if (n == "encrypt") return TlsLevel::kEncrypt;
  if (n == "verify") return TlsLevel::kVerify;
  if (n == "secure") return TlsLevel::kSecure;
  if (n == "dane" || n == "dane-only" || n == "fingerprint") {
    return absl::InvalidArgumentError(absl::StrCat(
        "TLS security level \"", name, "\" is not supported (use none, may, encrypt, verify or secure)"));
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown TLS security level \"", name,
                                                 "\" (expected none, may, encrypt, verify or secure)"));
}

absl::string_view TlsLevelName(TlsLevel level) {
  switch (level) {
    case TlsLevel::kNone: return "none";
    case TlsLevel::kMay: return "may";
    case TlsLevel::kEncrypt: return "encrypt";
    case TlsLevel::kVerify: return "verify";
    case TlsLevel::kSecure: return "secure";
  }
  return "none";
}

}  // namespace mxd
