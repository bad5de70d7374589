// Postfix's TLS security levels (smtp_tls_security_level), by name.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mxd {

enum class TlsLevel { kNone, kMay, kEncrypt, kVerify, kSecure };

// "" and "none" are kNone. Postfix's dane, dane-only and fingerprint levels
// are refused: mxd does not implement them.
absl::StatusOr<TlsLevel> ParseTlsLevel(absl::string_view name);
absl::string_view TlsLevelName(TlsLevel level);

}  // namespace mxd
