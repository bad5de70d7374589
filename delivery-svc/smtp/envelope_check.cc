#include "delivery-svc/smtp/envelope_check.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/nexthop/domain_name.h"
#include "common/nexthop/ip_literal.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

bool IsAtext(unsigned char c) {
  return absl::ascii_isalnum(c) || absl::StrContains("!#$%&'*+-/=?^_`{|}~", static_cast<char>(c));
}

absl::Status Bad(absl::string_view address, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("address \"", Printable(address.substr(0, 100)), "\": ", why));
}

}  // namespace

std::pair<absl::string_view, absl::string_view> SplitOrcpt(absl::string_view orcpt) {
  const size_t semi = orcpt.find(';');
  if (semi == absl::string_view::npos) return {"rfc822", orcpt};
  return {orcpt.substr(0, semi), orcpt.substr(semi + 1)};
}

absl::Status CheckOrcpt(absl::string_view orcpt) {
  if (std::string cc = FirstControlCharacter(orcpt); !cc.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("ORCPT contains a control character (", cc, ")"));
  }
  const absl::string_view type = SplitOrcpt(orcpt).first;
  if (type.empty() || !std::all_of(type.begin(), type.end(), [](char c) { return IsAtext(c); })) {
    return absl::InvalidArgumentError(absl::StrCat("ORCPT address type \"", type.substr(0, 64),
                                                   "\" is not an atom (RFC 3461: e.g. rfc822)"));
  }
  return absl::OkStatus();
}

absl::Status CheckAddressOctets(absl::string_view address, bool utf8) {
  if (std::string cc = FirstControlCharacter(address); !cc.empty()) {
    return Bad(address, absl::StrCat("contains a control character (", cc, ")"));
  }
  if (address.size() > 254)
    return Bad(address, absl::StrCat("longer than 254 octets (", address.size(), ")"));
  bool eight_bit = false;
  for (char c : address) eight_bit |= (c & 0x80) != 0;
  if (eight_bit && !IsValidUtf8(address)) return Bad(address, "not valid UTF-8");
  if (eight_bit && !utf8)
    return Bad(address, "non-ASCII characters need SMTPUTF8 (set smtputf8 in the envelope)");
  return absl::OkStatus();
}

absl::Status CheckAddress(absl::string_view address, bool empty_ok, bool utf8) {
  if (address.empty()) return empty_ok ? absl::OkStatus() : Bad(address, "empty");
  if (absl::Status s = CheckAddressOctets(address, utf8); !s.ok()) return s;
  bool eight_bit = false;
  for (char c : address) eight_bit |= (c & 0x80) != 0;

  const size_t at = address.rfind('@');
  if (at == absl::string_view::npos) return Bad(address, "no '@domain'");
  absl::string_view local = address.substr(0, at);
  absl::string_view domain = address.substr(at + 1);
  if (local.empty()) return Bad(address, "empty local part");
  // No 64-octet limit on the local part: SRS, VERP and BATV addresses
  // exceed it every day, and Postfix's smtp(8) sends them as they are.
  if (local.front() == '"') {
    if (local.size() < 2 || local.back() != '"') return Bad(address, "unterminated quoted local part");
    for (size_t i = 1; i + 1 < local.size(); ++i) {
      if (local[i] == '\\') {
        ++i;
      } else if (local[i] == '"') {
        return Bad(address, "unescaped '\"' in quoted local part");
      }
    }
  } else {
    if (local.front() == '.' || local.back() == '.' || absl::StrContains(local, ".."))
      return Bad(address, "misplaced '.' in local part");
    for (unsigned char c : local) {
      if (c == ' ') return Bad(address, "white space outside a quoted local part");
      if (c == '<' || c == '>') return Bad(address, "angle brackets are added by mxd, do not include them");
      if (c < 0x80 && c != '.' && !IsAtext(c)) {
        return Bad(address, absl::StrCat("invalid character '", std::string(1, static_cast<char>(c)),
                                         "' in local part"));
      }
    }
  }
  if (domain.empty()) return Bad(address, "empty domain");
  if (domain.front() == '[') {
    if (domain.back() != ']') return Bad(address, "unterminated address literal");
    if (!IsAddressLiteral(domain.substr(1, domain.size() - 2)))
      return Bad(address, "invalid address literal");
    return absl::OkStatus();
  }
  if (eight_bit) return absl::OkStatus();  // U-label domain: converted by the resolver, checked there
  if (absl::Status s = ValidateDomainName(domain); !s.ok()) return Bad(address, s.message());
  return absl::OkStatus();
}

}  // namespace mxd
