// Which TLS a next hop gets (Postfix's smtp_tls_policy.c): the security
// level from smtp_tls_security_level, overridden per next hop by
// smtp_tls_policy_maps entries in Postfix's syntax
//   example.com         secure match=.example.com
//   [mail.example.net]:587  encrypt protocols=>=TLSv1.3
//   .example.org        verify ciphers=high
// and the names a server certificate must match at verify and secure.
// Sans-I/O: the table is read at start-up (common/config/lookup_table.h).
#pragma once

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/lookup_table.h"
#include "delivery-svc/tls/tls_level.h"

namespace mxd {

struct TlsPolicy {
  TlsLevel level = TlsLevel::kNone;
  // Certificate match patterns: "hostname" (the MX host), "nexthop",
  // "dot-nexthop" (any subdomain of it), or literal names (".example.com":
  // any subdomain).
  std::vector<std::string> match;
  std::string protocols;  // Postfix protocol syntax; "" for the level's default
  std::string ciphers;    // cipher grade; "" for the level's default
  std::string exclude;    // OpenSSL cipher names to exclude, ':'-separated
  std::string origin;     // where the policy came from, for logs
};

class TlsPolicyTable {
 public:
  // Validates every entry of `table` (level, attributes) so that mistakes
  // show at start-up, naming the file line.
  static absl::StatusOr<TlsPolicyTable> Create(TlsLevel default_level, std::vector<std::string> verify_match,
                                               std::vector<std::string> secure_match, LookupTable table);

  // The policy for a next hop as given in the request ("example.com",
  // "[mail.example.com]:587"): the exact entry, then ".parent" entries
  // for domains, then the default level.
  TlsPolicy For(absl::string_view nexthop) const;

 private:
  absl::StatusOr<TlsPolicy> ParseEntry(absl::string_view value, std::string origin) const;

  TlsLevel default_level_ = TlsLevel::kNone;
  std::vector<std::string> verify_match_;
  std::vector<std::string> secure_match_;
  absl::flat_hash_map<std::string, TlsPolicy> policies_;  // by lower-case key
};

// The reference names for OpenSSL's host check: patterns expanded with the
// next-hop domain and the MX host name.
std::vector<std::string> CertificateNames(const TlsPolicy& policy, absl::string_view nexthop_domain,
                                          absl::string_view mx_host);

}  // namespace mxd
