// Postfix's TLS protocol and cipher-grade settings translated for OpenSSL:
//   smtp_tls_protocols = >=TLSv1.2          (or "<=TLSv1.3", or
//   smtp_tls_protocols = !SSLv2, !SSLv3, !TLSv1, !TLSv1.1   exclusions)
//   smtp_tls_ciphers = medium               (high, medium, low, export, null)
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mxd {

struct TlsProtocolRange {
  int min_version = 0;  // OpenSSL TLS1_x_VERSION constants
  int max_version = 0;
};

// Names, exclusions (!name) and bounds (>=name, <=name), separated by
// commas, colons or white space. SSLv2 and SSLv3 are never enabled.
absl::StatusOr<TlsProtocolRange> ParseTlsProtocols(absl::string_view spec);

// The OpenSSL cipher list (TLS 1.2 and older) of a Postfix cipher grade,
// as Postfix's tls_high_cipherlist and friends define them.
absl::StatusOr<std::string> CipherGradeList(absl::string_view grade);

}  // namespace mxd
