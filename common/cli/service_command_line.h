// The command line every mxd service shares: --config FILE, -o name=value
// (repeatable, Postfix style), --listen HOST:PORT, --port-file FILE,
// --print-defaults, --print-config and --help, plus the service's own options.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/cli/arguments.h"
#include "common/config/config.h"

namespace mxd {

struct ServiceCommandLine {
  Config config;
  ParsedArgs args;  // the service's own options are read from here
  std::string listen;
  std::string port_file;
  bool sandbox = true;                 // false with --no-sandbox
  std::string config_file;             // --config, "" for none
  std::vector<std::string> overrides;  // -o name=value, in order (SIGHUP reads them again)
};

// Returns nullopt when the program should exit now with `*exit_code` (after
// --help or --print-*, or on a usage or configuration error, which it has
// reported on stderr).
std::optional<ServiceCommandLine> ParseServiceCommandLine(int argc, char** argv, const std::string& program,
                                                          const std::string& default_listen,
                                                          const std::vector<OptionSpec>& extra,
                                                          int* exit_code);

}  // namespace mxd
