#include "common/sandbox/file_reads.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace mxd {
namespace {

// glibc has no wrappers for the Landlock calls.
int CreateRuleset(const landlock_ruleset_attr* attr, size_t size, uint32_t flags) {
  return static_cast<int>(syscall(SYS_landlock_create_ruleset, attr, size, flags));
}
int AddRule(int ruleset, const landlock_path_beneath_attr* rule) {
  return static_cast<int>(syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, rule, 0));
}
int RestrictSelf(int ruleset) { return static_cast<int>(syscall(SYS_landlock_restrict_self, ruleset, 0)); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

int LandlockAbi() {
  const int abi = CreateRuleset(nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi < 0 ? 0 : abi;
}

int ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    absl::string_view rest = line;
    int n = 0;
    if (absl::ConsumePrefix(&rest, "Threads:") && absl::SimpleAtoi(absl::StripAsciiWhitespace(rest), &n))
      return n;
  }
  return 0;
}

absl::Status LimitFileReadsTo(const std::vector<std::string>& paths) {
  if (const int threads = ThreadCount(); threads != 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("file reads can be limited only while one thread runs (", threads, " do)"));
  }
  // Reading files and listing directories is what is restricted; writing
  // (other than O_TMPFILE) and exec are the seccomp filter's to refuse.
  const landlock_ruleset_attr attr = {.handled_access_fs =
                                          LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR};
  Fd ruleset(CreateRuleset(&attr, sizeof(attr), 0));
  if (ruleset.get() < 0) {
    return absl::UnimplementedError(absl::StrCat("Landlock: ", std::strerror(errno)));
  }
  for (const std::string& path : paths) {
    Fd beneath(open(path.c_str(), O_PATH | O_CLOEXEC));
    if (beneath.get() < 0) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", std::strerror(errno)));
    }
    landlock_path_beneath_attr rule = {};
    rule.allowed_access = LANDLOCK_ACCESS_FS_READ_FILE;  // never READ_DIR: nothing is listed
    rule.parent_fd = beneath.get();
    if (AddRule(ruleset.get(), &rule) != 0) {
      return absl::InternalError(absl::StrCat("Landlock rule for ", path, ": ", std::strerror(errno)));
    }
  }
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || RestrictSelf(ruleset.get()) != 0) {
    return absl::InternalError(absl::StrCat("Landlock: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

}  // namespace mxd
