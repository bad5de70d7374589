// Checks of what a caller hands Deliver, before anything is sent: envelope
// addresses, routes and sizes. Errors name the field and what is wrong; the
// service answers them with INVALID_ARGUMENT.
#pragma once

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/text/printable.h"  // IsValidUtf8, for callers

namespace mxd {

inline constexpr size_t kMaxRecipientsPerRequest = 10000;

// An envelope address (RFC 5321 Mailbox, without angle brackets): a local
// part (dot-atom or quoted string, of any length, as Postfix sends it), "@",
// a domain or an address literal; at most 254 octets. `empty_ok` for the null
// sender. UTF-8 is allowed only with `utf8` (SMTPUTF8) and must be valid.
absl::Status CheckAddress(absl::string_view address, bool empty_ok, bool utf8);

// The part of CheckAddress that no recipient may fail, because such octets
// mean a broken or hostile caller rather than a mistyped address: control
// characters, ill-formed UTF-8, UTF-8 without SMTPUTF8, over 254 octets.
absl::Status CheckAddressOctets(absl::string_view address, bool utf8);

// A DSN ORCPT value (RFC 3461 section 4.2): "addr-type;address", or just an
// address (addr-type rfc822). The address goes out xtext-encoded, the type
// as it is: it must be an atom, or a space in it would add parameters of the
// caller's choosing to RCPT TO. No control characters anywhere.
absl::Status CheckOrcpt(absl::string_view orcpt);

// The two parts of an ORCPT value: {addr-type, address}; "rfc822" when no
// type is given.
std::pair<absl::string_view, absl::string_view> SplitOrcpt(absl::string_view orcpt);

}  // namespace mxd
