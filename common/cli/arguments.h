// Command-line options for mxd's programs: "--name value", "--name=value",
// repeatable options and positional arguments. Hand-rolled because our
// option names have dashes (--port-file), which Abseil flags cannot spell, and
// a bad option must exit 64 (EX_USAGE), where Abseil's parser exits 1.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace mxd {

struct OptionSpec {
  std::string name;  // without "--"
  bool takes_value = true;
  bool repeatable = false;
  std::string help = {};  // for FormatOptions
};

struct ParsedArgs {
  std::map<std::string, std::vector<std::string>> values;  // option -> values
  std::set<std::string> switches;                          // options without a value
  std::vector<std::string> positional;

  std::optional<std::string> Get(const std::string& name) const;
  std::string GetOr(const std::string& name, const std::string& fallback) const;
  bool Has(const std::string& name) const { return switches.count(name) > 0; }
};

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<OptionSpec>& specs);

// -h, --help or --version anywhere among the arguments: prints `usage` or
// "PROGRAM (mxd) VERSION" to stdout. True means: exit 0 now.
bool PrintedHelpOrVersion(int argc, char** argv, const std::string& program, const std::string& usage);

// One line per option: "  --name VALUE   help".
std::string FormatOptions(const std::vector<OptionSpec>& specs);

}  // namespace mxd
