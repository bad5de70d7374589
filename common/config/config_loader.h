// Start-up configuration for a service: `--config FILE` and `-o name=value`
// overrides, as Postfix daemons take them.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/config/config.h"

namespace mxd {

// Removes every "-o name=value" / "-oname=value" from argv (before Abseil
// parses the rest, which would keep only the last) and returns their values
// in order. Sets argc to the remaining count.
std::vector<std::string> ExtractOverrides(int& argc, char** argv);

// main.cf text (named `source` in errors; none when empty) with `overrides`
// applied after it.
absl::StatusOr<Config> ConfigFromText(absl::string_view main_cf, const std::string& source,
                                      const std::vector<std::string>& overrides);

// Reads `config_file` (when not empty) and applies `overrides` after it.
absl::StatusOr<Config> LoadConfig(const std::string& config_file, const std::vector<std::string>& overrides);

}  // namespace mxd
