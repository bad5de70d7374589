#include "delivery-svc/sasl/sasl_passwords.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mxd {

absl::StatusOr<SaslPasswords> SaslPasswords::FromTable(LookupTable table) {
  for (const std::string& key : table.Keys()) {
    if (!absl::StrContains(*table.Find(key), ':')) {
      // The origin only: the value may be a password.
      return absl::InvalidArgumentError(
          absl::StrCat(table.Origin(key), ": expected user:password for \"", key, "\""));
    }
  }
  return SaslPasswords(std::move(table));
}

std::optional<SaslCredentials> SaslPasswords::For(absl::string_view nexthop) const {
  std::optional<std::string> entry = table_.Find(nexthop);
  if (!entry) return std::nullopt;
  const size_t colon = entry->find(':');
  return SaslCredentials{entry->substr(0, colon), entry->substr(colon + 1)};
}

std::vector<std::string> SaslPasswords::Nexthops() const {
  std::vector<std::string> keys = table_.Keys();
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace mxd
