// Splits main.cf-style text into `name = value` assignments, as Postfix reads
// main.cf: '#' comment lines, blank lines, and continuation lines (lines that
// start with white space continue the previous one). Sans-I/O: it is given
// the text; config_loader.cc reads the file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mxd {

struct Assignment {
  std::string name;
  std::string value;
  // Where it came from, for error messages: "main.cf line 12", "-o".
  std::string origin;
};

// `source_name` is used in origins and errors ("FILE line N: ...").
absl::StatusOr<std::vector<Assignment>> ParseMainCf(absl::string_view text, absl::string_view source_name);

// Parses one "-o name=value" argument.
absl::StatusOr<Assignment> ParseOverride(absl::string_view arg);

}  // namespace mxd
