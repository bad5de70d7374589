// smtp_sasl_password_maps: which credentials a next hop gets (Postfix's
// smtp_sasl_glue.c lookup). By the next hop only, never by a server name
// the caller's routes supplied: with route_key_file the next hop and the
// routes are signed together, so a caller cannot point a next hop's
// password at a server of its own (docs/security.md).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/lookup_table.h"
#include "delivery-svc/sasl/sasl_client.h"

namespace mxd {

class SaslPasswords {
 public:
  // Every value must be "user:password"; an error names the entry's origin
  // and key, never its value (it may be a password).
  static absl::StatusOr<SaslPasswords> FromTable(LookupTable table);

  std::optional<SaslCredentials> For(absl::string_view nexthop) const;
  // The next hops that have credentials, sorted.
  std::vector<std::string> Nexthops() const;

 private:
  explicit SaslPasswords(LookupTable table) : table_(std::move(table)) {}
  LookupTable table_;
};

}  // namespace mxd
