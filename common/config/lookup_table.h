// A Postfix lookup table in its text form (the source of a hash: or
// texthash: map): "key value" lines, '#' comments, blank lines, and lines
// that start with white space continue the previous one. Keys are matched
// case-insensitively. smtp_tls_policy_maps and smtp_sasl_password_maps use
// it; they are read once at start-up (the service cannot open files once
// confined).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/config/configured_file.h"

namespace mxd {

class LookupTable {
 public:
  // `source_name` names the table in errors ("FILE line N: ...").
  static absl::StatusOr<LookupTable> Parse(absl::string_view text, absl::string_view source_name);
  // Reads "type:/path" (hash:, texthash:, btree: or a bare path: the text
  // source is read, as postmap would). An empty spec is an empty table.
  static absl::StatusOr<LookupTable> Load(absl::string_view spec);
  // The same from contents read earlier (path -> text), for a service that
  // can no longer open files (SIGHUP after confinement: ConfigReader).
  using FileContents = mxd::FileContents;
  static absl::StatusOr<LookupTable> Load(absl::string_view spec, const FileContents* files);
  // The file a spec names ("texthash:/etc/x" -> "/etc/x"); "" when none.
  static std::string PathOf(absl::string_view spec);

  std::optional<std::string> Find(absl::string_view key) const;
  // Where an entry came from, for error messages ("FILE line N").
  std::string Origin(absl::string_view key) const;
  size_t size() const { return entries_.size(); }
  std::vector<std::string> Keys() const;

 private:
  struct Entry {
    std::string value;
    int line = 0;
  };
  std::string source_;
  absl::flat_hash_map<std::string, Entry> entries_;
};

}  // namespace mxd
