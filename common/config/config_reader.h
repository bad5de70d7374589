// Reading the configuration again after confinement (SIGHUP). A sandboxed
// service cannot open files any more, so a helper process, forked at start
// before any thread and before the sandbox, keeps that ability for exactly
// one job: on request it reads the --config file the service started with
// and the lookup tables that file names (every *_maps parameter), and sends
// their contents back over a socket pair. The service can name no path;
// the helper exits with it (PR_SET_PDEATHSIG, or the socket closing).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/config/config.h"
#include "common/config/lookup_table.h"

namespace mxd {

// What the helper read: the configuration (with the -o overrides of the
// command line, which still win) and the contents of its lookup tables.
struct ConfigSnapshot {
  Config config;
  LookupTable::FileContents tables;  // path -> text
};

class ConfigReader {
 public:
  // Call before any thread starts (it forks).
  static absl::StatusOr<std::unique_ptr<ConfigReader>> Start(std::string config_file,
                                                             std::vector<std::string> overrides);
  ~ConfigReader();

  // Asks the helper to read everything again. An error names the file and
  // line, as at start-up.
  absl::StatusOr<ConfigSnapshot> Read(absl::Duration timeout);

  static constexpr size_t kMaxBytes = 64 << 20;  // main.cf and every table together

 private:
  ConfigReader(int fd, std::string config_file, std::vector<std::string> overrides)
      : fd_(fd), config_file_(std::move(config_file)), overrides_(std::move(overrides)) {}

  int fd_;
  std::string config_file_;
  std::vector<std::string> overrides_;
};

// The "reload" log line: what changed, and which of those changes wait for
// a restart (parameters read only at start, named in `read_once`).
void LogReload(absl::string_view program, const std::vector<std::string>& changes,
               const std::vector<absl::string_view>& read_once);

// The "name = value" lines that differ between two configurations (the new
// values), and the tables whose contents changed, for the reload log line.
std::vector<std::string> ConfigChanges(const Config& before, const LookupTable::FileContents& tables_before,
                                       const Config& after, const LookupTable::FileContents& tables_after);

}  // namespace mxd
