// The effective configuration: every parameter's default, overridden by the
// main.cf file and then by -o, with $name references expanded and each value
// checked against its declared type. Read-only after Build().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config/main_cf_parser.h"
#include "common/config/parameter.h"

namespace mxd {

class Config {
 public:
  // `assignments` in order of precedence (later wins). Names no mxd program
  // knows are refused; errors name the origin ("main.cf line 3: ...").
  static absl::StatusOr<Config> Build(const std::vector<Assignment>& assignments);

  // Typed access. The name must be declared in parameter_table.cc; asking
  // for an undeclared name or the wrong type is a programming error (abort).
  bool GetBool(absl::string_view name) const;
  int64_t GetInt(absl::string_view name) const;
  absl::Duration GetTime(absl::string_view name) const;
  const std::string& GetString(absl::string_view name) const;
  std::vector<std::string> GetList(absl::string_view name) const;
  // One line per Postfix parameter that was set but mxd does not use
  // ("main.cf line 4: unused parameter: mydomain=example.com"), for the
  // start-up log.
  const std::vector<std::string>& warnings() const { return warnings_; }
  // Where the value came from: "default", "FILE line N" or "-o".
  const std::string& Origin(absl::string_view name) const;

  // "name = value" lines for parameters whose value differs from the
  // default, like `postconf -n`; with `all`, every parameter (`postconf`).
  std::string Dump(bool all) const;

 private:
  struct Value {
    const ParameterSpec* spec = nullptr;
    std::string raw;       // as written (or the default)
    std::string expanded;  // after $name expansion
    std::string origin;    // "default", "FILE line N", "-o"
  };
  const Value& Lookup(absl::string_view name, ParamType type) const;
  absl::Status Expand(Value& v, std::vector<std::string>& stack);

  absl::flat_hash_map<std::string, Value> values_;
  std::vector<std::string> warnings_;
};

// Splits a Postfix list value on commas and white space.
std::vector<std::string> SplitList(absl::string_view value);

}  // namespace mxd
