#include "common/config/config_reader.h"

#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/config/config_loader.h"
#include "common/config/parameter.h"
#include "common/io/whole_file.h"
#include "common/log/json_log.h"

namespace mxd {
namespace {

// Wire format: records of [u32 name length][name][u32 data length][data].
// The first record is named "!" (main.cf's text) or "!error" (why not).
void PutRecord(std::string* out, absl::string_view name, absl::string_view data) {
  for (absl::string_view part : {name, data}) {
    const uint32_t n = static_cast<uint32_t>(part.size());
    out->append(reinterpret_cast<const char*>(&n), sizeof(n));
    out->append(part.data(), part.size());
  }
}

// The helper's one job.
std::string Bundle(const std::string& config_file, const std::vector<std::string>& overrides) {
  std::string out;
  std::string text;
  if (!config_file.empty()) {
    absl::StatusOr<std::string> read = ReadWholeFile(config_file);
    if (!read.ok()) {
      PutRecord(&out, "!error", absl::StrCat("configuration file: ", read.status().message()));
      return out;
    }
    text = *std::move(read);
  }
  absl::StatusOr<Config> config = LoadConfig(config_file, overrides);
  if (!config.ok()) {
    PutRecord(&out, "!error", config.status().message());
    return out;
  }
  PutRecord(&out, "!", text);
  size_t total = text.size();
  for (const ParameterSpec& spec : AllParameters()) {
    if (!absl::EndsWith(spec.name, "_maps") && !spec.names_file) continue;
    const std::string path =
        spec.names_file ? config->GetString(spec.name) : LookupTable::PathOf(config->GetString(spec.name));
    if (path.empty()) continue;
    absl::StatusOr<std::string> table = ReadWholeFile(path);
    if (!table.ok()) continue;  // the service names what is missing
    total += table->size();
    if (total > ConfigReader::kMaxBytes) {
      out.clear();
      PutRecord(&out, "!error",
                absl::StrCat("configuration and tables exceed ", ConfigReader::kMaxBytes, " bytes"));
      return out;
    }
    PutRecord(&out, path, *table);
  }
  return out;
}

bool WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    const ssize_t n = write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

[[noreturn]] void HelperMain(int fd, const std::string& config_file,
                             const std::vector<std::string>& overrides) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  for (;;) {
    char request = 0;
    const ssize_t n = read(fd, &request, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);  // the service is gone
    const std::string bundle = Bundle(config_file, overrides);
    const uint64_t size = bundle.size();
    if (!WriteAll(fd, absl::string_view(reinterpret_cast<const char*>(&size), sizeof(size))) ||
        !WriteAll(fd, bundle)) {
      _exit(0);
    }
  }
}

absl::Status ReadExactly(int fd, char* buf, size_t size, absl::Time deadline) {
  while (size > 0) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration())
      return absl::DeadlineExceededError("the configuration reader did not answer");
    pollfd p{fd, POLLIN, 0};
    const int r = poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(left)) + 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) continue;
    const ssize_t n = read(fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return absl::UnavailableError("the configuration reader is gone");
    buf += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ConfigReader>> ConfigReader::Start(std::string config_file,
                                                                  std::vector<std::string> overrides) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return absl::InternalError(absl::StrCat("socketpair: ", std::strerror(errno)));
  }
  const pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    close(fds[0]);
    HelperMain(fds[1], config_file, overrides);
  }
  close(fds[1]);
  std::unique_ptr<ConfigReader> reader(
      new ConfigReader(fds[0], std::move(config_file), std::move(overrides)));
  absl::StatusOr<ConfigSnapshot> first = reader->Read(absl::Seconds(30));
  if (!first.ok()) return first.status();
  reader->current_ = *std::move(first);
  return reader;
}

ConfigReader::~ConfigReader() {
  // The helper reads end-of-file and exits; no waitpid, which the sandbox
  // refuses (init reaps it once the service has exited).
  close(fd_);
}

absl::StatusOr<ConfigSnapshot> ConfigReader::Read(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  if (!WriteAll(fd_, "R")) return absl::UnavailableError("the configuration reader is gone");
  uint64_t size = 0;
  if (absl::Status s = ReadExactly(fd_, reinterpret_cast<char*>(&size), sizeof(size), deadline); !s.ok())
    return s;
  if (size > kMaxBytes + (1 << 20)) return absl::DataLossError("the configuration reader sent too much");
  std::string bundle(size, '\0');
  if (absl::Status s = ReadExactly(fd_, bundle.data(), bundle.size(), deadline); !s.ok()) return s;

  std::string main_cf;
  bool have_main_cf = false;
  ConfigSnapshot snap;
  absl::string_view rest = bundle;
  while (!rest.empty()) {
    std::string part[2];
    for (std::string& p : part) {
      uint32_t n = 0;
      if (rest.size() < sizeof(n)) return absl::DataLossError("a cut record from the configuration reader");
      std::memcpy(&n, rest.data(), sizeof(n));
      rest.remove_prefix(sizeof(n));
      if (rest.size() < n) return absl::DataLossError("a cut record from the configuration reader");
      p.assign(rest.data(), n);
      rest.remove_prefix(n);
    }
    if (part[0] == "!error") return absl::InvalidArgumentError(part[1]);
    if (part[0] == "!") {
      main_cf = std::move(part[1]);
      have_main_cf = true;
    } else {
      snap.tables.emplace(std::move(part[0]), std::move(part[1]));
    }
  }
  if (!have_main_cf) return absl::DataLossError("no configuration from the configuration reader");
  absl::StatusOr<Config> config = ConfigFromText(main_cf, config_file_, overrides_);
  if (!config.ok()) return config.status();
  snap.config = *std::move(config);
  return snap;
}

void ConfigReader::Reload(absl::string_view program, const Apply& apply,
                          const std::vector<absl::string_view>& read_once) {
  absl::StatusOr<ConfigSnapshot> next = Read(absl::Seconds(30));
  absl::Status applied = next.ok() ? apply(*next) : next.status();
  if (!applied.ok()) {
    LogError("reload_refused",
             {{"program", program}, {"error", applied.message()}, {"kept", "the configuration in force"}});
    return;
  }
  const std::vector<std::string> changes =
      ConfigChanges(current_.config, current_.tables, next->config, next->tables);
  current_ = *std::move(next);
  std::vector<std::string> later;
  for (const std::string& c : changes) {
    for (absl::string_view name : read_once) {
      if (absl::StartsWith(c, absl::StrCat(name, " = "))) later.push_back(c);
    }
  }
  LogInfo("reload",
          {{"program", program},
           {"changed", changes.empty() ? "nothing" : absl::StrJoin(changes, "; ")},
           {"needs_restart", absl::StrJoin(later, "; ")}},
          {{"changes", static_cast<double>(changes.size())}});
}

std::vector<std::string> ConfigChanges(const Config& before, const LookupTable::FileContents& tables_before,
                                       const Config& after, const LookupTable::FileContents& tables_after) {
  const std::vector<std::string> old_lines = absl::StrSplit(before.Dump(true), '\n', absl::SkipEmpty());
  const absl::flat_hash_set<std::string> old_set(old_lines.begin(), old_lines.end());
  std::vector<std::string> changes;
  for (absl::string_view line : absl::StrSplit(after.Dump(true), '\n', absl::SkipEmpty())) {
    if (!old_set.contains(line)) changes.emplace_back(line);
  }
  // Tables by name only: their contents may be passwords.
  for (const auto& [path, text] : tables_after) {
    auto it = tables_before.find(path);
    if (it == tables_before.end() || it->second != text)
      changes.push_back(absl::StrCat("table ", path, " changed"));
  }
  return changes;
}

}  // namespace mxd
