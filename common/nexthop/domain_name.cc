#include "common/nexthop/domain_name.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace mxd {

std::string FirstControlCharacter(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return absl::StrFormat("0x%02x", c);
  }
  return "";
}

absl::Status ValidateDomainName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("host name is empty");
  if (std::string cc = FirstControlCharacter(name); !cc.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("host name contains a control character (", cc, ")"));
  }
  absl::string_view n = name;
  if (n.back() == '.') n.remove_suffix(1);
  if (n.size() > kMaxDomainNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("host name is longer than ", kMaxDomainNameLength, " characters (", n.size(), ")"));
  }
  if (n.empty()) return absl::InvalidArgumentError("host name '.' is the root, not a host");
  absl::string_view last;
  for (absl::string_view label : absl::StrSplit(n, '.')) {
    if (label.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("host name '", name, "' has an empty label"));
    }
    if (label.size() > kMaxLabelLength) {
      return absl::InvalidArgumentError(absl::StrCat("host name '", name.substr(0, 80),
                                                     "...' has a label longer than ", kMaxLabelLength,
                                                     " characters"));
    }
    if (label.front() == '-' || label.back() == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat("host name '", name, "' has a label that starts or ends with '-'"));
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') {
        return absl::InvalidArgumentError(
            absl::StrCat("host name '", name, "' contains an invalid character '", std::string(1, c), "'"));
      }
    }
    last = label;
  }
  bool numeric_tld = true;
  for (char c : last) numeric_tld &= absl::ascii_isdigit(static_cast<unsigned char>(c)) != 0;
  if (numeric_tld) {
    return absl::InvalidArgumentError(
        absl::StrCat("host name '", name, "' ends in a numeric label (an address must be in brackets)"));
  }
  return absl::OkStatus();
}

std::string CanonicalDomainName(absl::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return absl::AsciiStrToLower(name);
}

}  // namespace mxd
