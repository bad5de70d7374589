// Reading the configuration again after confinement (SIGHUP). A sandboxed
// service cannot open files any more, so a helper process, forked at start
// before any thread and before the sandbox, keeps that ability for exactly
// one job: on request it reads the --config file the service started with
// and the lookup tables that file names (every *_maps parameter), and sends
// their contents back over a socket pair. The service can name no path;
// the helper exits with it (PR_SET_PDEATHSIG, or the socket closing).
#pragma once

#include <functional>
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
  // Call before any thread starts (it forks). Reads once at once: that
  // snapshot is what the running settings are compared with. An error is
  // INTERNAL when the helper could not start, else names the file and line.
  static absl::StatusOr<std::unique_ptr<ConfigReader>> Start(std::string config_file,
                                                             std::vector<std::string> overrides);
  ~ConfigReader();

  // Asks the helper to read everything again. An error names the file and
  // line, as at start-up.
  absl::StatusOr<ConfigSnapshot> Read(absl::Duration timeout);

  // A SIGHUP: read again and hand the snapshot to `apply`, which builds and
  // installs new settings or says why it cannot. A failure either way is a
  // "reload_refused" log line (the old settings stay); success is a
  // "reload" line listing the changes (those to parameters in `read_once`
  // wait for a restart).
  using Apply = std::function<absl::Status(const ConfigSnapshot&)>;
  void Reload(absl::string_view program, const Apply& apply, const std::vector<absl::string_view>& read_once);

  static constexpr size_t kMaxBytes = 64 << 20;  // main.cf and every table together

 private:
  ConfigReader(int fd, std::string config_file, std::vector<std::string> overrides)
      : fd_(fd), config_file_(std::move(config_file)), overrides_(std::move(overrides)) {}

  int fd_;
  std::string config_file_;
  std::vector<std::string> overrides_;
  ConfigSnapshot current_;  // what the settings in force were built from
};

// The "name = value" lines that differ between two configurations (the new
// values), and the tables whose contents changed, for the reload log line.
std::vector<std::string> ConfigChanges(const Config& before, const LookupTable::FileContents& tables_before,
                                       const Config& after, const LookupTable::FileContents& tables_after);

}  // namespace mxd
