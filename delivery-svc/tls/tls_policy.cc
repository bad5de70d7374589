#include "delivery-svc/tls/tls_policy.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "delivery-svc/tls/tls_protocols.h"

namespace mxd {

absl::StatusOr<TlsPolicyTable> TlsPolicyTable::Create(TlsLevel default_level,
                                                      std::vector<std::string> verify_match,
                                                      std::vector<std::string> secure_match,
                                                      LookupTable table) {
  TlsPolicyTable t;
  t.default_level_ = default_level;
  t.verify_match_ = std::move(verify_match);
  t.secure_match_ = std::move(secure_match);
  // Parsed once here: look-ups per delivery only find.
  for (const std::string& key : table.Keys()) {
    absl::StatusOr<TlsPolicy> p = t.ParseEntry(*table.Find(key), table.Origin(key));
    if (!p.ok()) return p.status();
    t.policies_.emplace(key, *std::move(p));
  }
  return t;
}

absl::StatusOr<TlsPolicy> TlsPolicyTable::ParseEntry(absl::string_view value, std::string origin) const {
  std::vector<absl::string_view> words = absl::StrSplit(value, absl::ByAnyChar(" \t,"), absl::SkipEmpty());
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(origin, ": ", why));
  };
  if (words.empty()) return bad("no TLS security level");
  TlsPolicy p;
  p.origin = origin;
  absl::StatusOr<TlsLevel> level = ParseTlsLevel(words[0]);
  if (!level.ok()) return bad(level.status().message());
  p.level = *level;
  bool match_given = false;
  for (size_t i = 1; i < words.size(); ++i) {
    const size_t eq = words[i].find('=');
    if (eq == absl::string_view::npos)
      return bad(absl::StrCat("expected name=value, not \"", words[i], "\""));
    const std::string name = absl::AsciiStrToLower(words[i].substr(0, eq));
    const absl::string_view v = words[i].substr(eq + 1);
    if (name == "match") {
      if (p.level < TlsLevel::kVerify) return bad("match= applies only to the verify and secure levels");
      p.match = absl::StrSplit(v, ':', absl::SkipEmpty());
      match_given = true;
    } else if (name == "protocols") {
      p.protocols = absl::StrReplaceAll(v, {{":", ","}});
      if (absl::Status s = ParseTlsProtocols(p.protocols).status(); !s.ok()) return bad(s.message());
    } else if (name == "ciphers") {
      p.ciphers = std::string(v);
      if (absl::Status s = CipherGradeList(p.ciphers).status(); !s.ok()) return bad(s.message());
    } else if (name == "exclude") {
      p.exclude = std::string(v);
    } else {
      return bad(
          absl::StrCat("unknown attribute \"", name, "\" (expected match, protocols, ciphers or exclude)"));
    }
  }
  if (!match_given) p.match = p.level == TlsLevel::kSecure ? secure_match_ : verify_match_;
  return p;
}

TlsPolicy TlsPolicyTable::For(absl::string_view nexthop) const {
  const std::string lower = absl::AsciiStrToLower(nexthop);
  auto it = policies_.find(lower);
  if (it == policies_.end() && !absl::StartsWith(lower, "[")) {
    // Domains: ".parent" entries match any subdomain.
    absl::string_view rest = lower;
    for (size_t dot = rest.find('.'); it == policies_.end() && dot != absl::string_view::npos;
         dot = rest.find('.')) {
      rest = rest.substr(dot);
      it = policies_.find(rest);
      rest.remove_prefix(1);
    }
  }
  if (it != policies_.end()) return it->second;
  TlsPolicy p;
  p.level = default_level_;
  p.match = default_level_ == TlsLevel::kSecure ? secure_match_ : verify_match_;
  p.origin = "smtp_tls_security_level";
  return p;
}

std::vector<std::string> CertificateNames(const TlsPolicy& policy, absl::string_view nexthop_domain,
                                          absl::string_view mx_host) {
  std::vector<std::string> names;
  for (const std::string& m : policy.match) {
    const std::string lower = absl::AsciiStrToLower(m);
    if (lower == "hostname") {
      names.push_back(std::string(mx_host));
    } else if (lower == "nexthop") {
      names.push_back(std::string(nexthop_domain));
    } else if (lower == "dot-nexthop") {
      names.push_back(absl::StrCat(".", nexthop_domain));
    } else {
      names.push_back(lower);
    }
  }
  return names;
}

}  // namespace mxd
