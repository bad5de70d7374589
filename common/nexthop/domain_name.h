// Host and domain name syntax (RFC 1035 / RFC 1123 letter-digit-hyphen
// labels; underscores tolerated as Postfix's valid_hostname does).
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace mxd {

inline constexpr size_t kMaxDomainNameLength = 253;  // without the root dot
inline constexpr size_t kMaxLabelLength = 63;

// Checks `name` (one optional trailing dot allowed). Errors say what is
// wrong, naming the name: "host name 'a..b' has an empty label".
absl::Status ValidateDomainName(absl::string_view name);

// Lower-cased, without the trailing dot. Assumes a valid name.
std::string CanonicalDomainName(absl::string_view name);

// The first control character (or 0x7f) in `s`, as "0x0a", or "" if none.
std::string FirstControlCharacter(absl::string_view s);

}  // namespace mxd
