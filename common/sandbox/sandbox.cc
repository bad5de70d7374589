#include "common/sandbox/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/log/json_log.h"
#include "common/sandbox/syscall_allowlist.h"

namespace mxd {
namespace {

// SIGSYS from the filter: say which call it was, then die of it. Only
// async-signal-safe calls here.
void OnForbiddenSyscall(int, siginfo_t* info, void*) {
  char line[160];
  const char* prefix = "{\"level\":\"error\",\"event\":\"seccomp_violation\",\"syscall\":";
  size_t n = 0;
  for (const char* p = prefix; *p != '\0' && n < sizeof(line); ++p) line[n++] = *p;
  int nr = info->si_syscall;
  char digits[12];
  int d = 0;
  do {
    digits[d++] = static_cast<char>('0' + nr % 10);
    nr /= 10;
  } while (nr > 0 && d < 11);
  while (d > 0 && n < sizeof(line)) line[n++] = digits[--d];
  for (const char* p = ",\"action\":\"killing the process\"}\n"; *p != '\0' && n < sizeof(line); ++p)
    line[n++] = *p;
  ssize_t w = write(STDERR_FILENO, line, n);
  (void)w;
  signal(SIGSYS, SIG_DFL);
  raise(SIGSYS);
  _exit(159);
}

absl::Status DropRoot(const SandboxUser& user) {
  if (!user.root) return absl::OkStatus();
  if (setgroups(0, nullptr) != 0 || setresgid(user.gid, user.gid, user.gid) != 0 ||
      setresuid(user.uid, user.uid, user.uid) != 0) {
    return absl::InternalError(absl::StrCat("cannot become ", user.name, ": ", std::strerror(errno)));
  }
  if (setuid(0) == 0) return absl::InternalError("root privileges could be regained");
  return absl::OkStatus();
}

// One declared rule as seccomp rules; whatever they do not allow traps
// (the default action), except where an error is declared instead.
int AddRule(scmp_filter_ctx ctx, const SyscallRule& r, int nr, bool read_only_opens) {
  using Args = SyscallRule::Args;
  int rc = 0;
  switch (r.args) {
    case Args::kAny: return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
    case Args::kOpenTmpfileOnly:
      rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, O_TMPFILE, O_TMPFILE));
      // Landlock decides which files (file_reads.h); this only keeps the
      // opens read-only: no O_WRONLY/O_RDWR, O_CREAT, O_TRUNC or O_APPEND.
      if (rc == 0 && read_only_opens) {
        const scmp_datum_t write_flags =
            O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | (O_TMPFILE & ~O_DIRECTORY);
        rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, write_flags, O_RDONLY));
      }
      // Any other open fails with EACCES instead of killing: glibc opens
      // /sys/devices/system/cpu/online when gRPC sizes a thread pool, and
      // falls back when it cannot. No file is opened either way.
      if (rc == 0) {
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), nr, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, O_TMPFILE, 0));
      }
      return rc;
    case Args::kNoNamespaces:
      return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                              SCMP_A0(SCMP_CMP_MASKED_EQ, NamespaceCloneFlags(), 0));
    case Args::kEnosys: return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
    case Args::kSocketFamilies: {
      // The families used are allowed; every other one fails (a library
      // that probes for netlink copes), never opens.
      int highest = 0;
      for (int family : AllowedSocketFamilies()) {
        highest = std::max(highest, family);
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                                   SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family), 0))) != 0)
          return rc;
      }
      for (int family = 0; family <= highest; ++family) {
        const auto& allowed = AllowedSocketFamilies();
        if (std::find(allowed.begin(), allowed.end(), family) != allowed.end()) continue;
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
                              SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(family), 0));
        if (rc != 0) return rc;
      }
      return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 1,
                              SCMP_A0(SCMP_CMP_GT, static_cast<scmp_datum_t>(highest), 0));
    }
    case Args::kIoctlRequests:
      for (unsigned long request : AllowedIoctlRequests()) {
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A1(SCMP_CMP_EQ, request, 0))) != 0)
          return rc;
      }
      return 0;
    case Args::kPrctlOptions:
      for (int option : AllowedPrctlOptions()) {
        if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                                   SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(option), 0))) != 0)
          return rc;
      }
      return 0;
    case Args::kOwnProcess:
      return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                              SCMP_A0(SCMP_CMP_EQ, static_cast<uint64_t>(getpid()), 0));
  }
  return -EINVAL;
}

absl::Status InstallFilter(bool read_only_opens) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_TRAP);
  if (ctx == nullptr) return absl::InternalError("seccomp_init failed");
  auto fail = [&ctx](const std::string& what, int rc) {
    seccomp_release(ctx);
    return absl::InternalError(absl::StrCat("seccomp: ", what, ": ", std::strerror(-rc)));
  };
  // Every thread, including the ones gRPC already started.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1); rc != 0) return fail("TSYNC", rc);
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1); rc != 0) return fail("no_new_privs", rc);
  for (const SyscallRule& r : RuntimeSyscalls()) {
    const int nr = seccomp_syscall_resolve_name(r.name);
    if (nr == __NR_SCMP_ERROR) continue;  // not on this architecture
    if (int rc = AddRule(ctx, r, nr, read_only_opens); rc != 0) return fail(r.name, rc);
  }
  if (int rc = seccomp_load(ctx); rc != 0) return fail("load", rc);
  seccomp_release(ctx);
  return absl::OkStatus();
}

}  // namespace

// No controlling terminal once confined: a compromised service could
// otherwise type into the operator's shell (TIOCSTI). A session leader
// keeps it (dropping it would hang up its foreground group); those run
// under a supervisor without a terminal anyway.
void DetachFromTerminal() {
  if (getsid(0) == getpid()) return;
  const int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return;  // none
  ioctl(fd, TIOCNOTTY);
  close(fd);
}

absl::StatusOr<SandboxUser> PrepareSandbox(const std::string& user) {
  // Load what is read lazily from files while files can still be opened:
  // the local time zone (gRPC stamps error statuses with local time).
  (void)absl::FormatTime(absl::Now(), absl::LocalTimeZone());
  SandboxUser u{.name = user};
  if (geteuid() != 0) return u;
  errno = 0;
  passwd* pw = getpwnam(user.c_str());
  if (pw == nullptr) return absl::InvalidArgumentError(absl::StrCat("sandbox_user ", user, ": no such user"));
  if (pw->pw_uid == 0) return absl::InvalidArgumentError(absl::StrCat("sandbox_user ", user, " is root"));
  u.root = true;
  u.uid = pw->pw_uid;
  u.gid = pw->pw_gid;
  return u;
}

absl::Status EnterSandbox(const SandboxUser& user, bool seccomp, bool read_only_opens) {
  struct sigaction sa {};
  sa.sa_sigaction = &OnForbiddenSyscall;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSYS, &sa, nullptr);
  if (absl::Status s = DropRoot(user); !s.ok()) return s;
  DetachFromTerminal();
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return absl::InternalError(absl::StrCat("no_new_privs: ", std::strerror(errno)));
  }
  if (!seccomp) {
    LogWarning("sandbox",
               {{"warning", "seccomp filter not installed (disable_dns_lookups = yes needs getaddrinfo)"}});
    return absl::OkStatus();
  }
  absl::Status s = InstallFilter(read_only_opens);
  if (s.ok())
    LogInfo("sandbox", {{"user", geteuid() == 0 ? "root" : user.name},
                        {"seccomp", "on"},
                        {"no_new_privs", "on"},
                        {"file_reads", read_only_opens ? "landlock" : "none"}});
  return s;
}

void WarnNoSandbox(const std::string& program) {
  for (int i = 0; i < 3; ++i) {
    LogWarning("NO_SANDBOX", {{"program", program},
                              {"warning",
                               "--no-sandbox: running WITHOUT seccomp and privilege drop; for "
                               "debugging only, never in production"}});
  }
}

}  // namespace mxd
