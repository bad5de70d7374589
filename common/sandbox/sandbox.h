// Confinement after start-up: drop root to an unprivileged user, set
// no_new_privs, and install the seccomp filter (syscall_allowlist.cc) on
// every thread. A forbidden system call then kills the process, after one
// log line naming it.
#pragma once

#include <sys/types.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace mxd {

// Who the service becomes, looked up while /etc/passwd (and NSS) can still
// be read: before LimitFileReadsTo (file_reads.h). Taken only when running
// as root ("nobody" by default).
struct SandboxUser {
  std::string name;
  bool root = false;  // we run as root: drop to uid/gid
  uid_t uid = 0;
  gid_t gid = 0;
};
absl::StatusOr<SandboxUser> PrepareSandbox(const std::string& user);

// Without `seccomp`, only the privileges are dropped (and no_new_privs set).
// `read_only_opens`: LimitFileReadsTo is in force, so the filter may let
// read-only opens through (it refuses them otherwise).
absl::Status EnterSandbox(const SandboxUser& user, bool seccomp, bool read_only_opens = false);

// Logs, loudly, that the process runs without its sandbox (--no-sandbox).
void WarnNoSandbox(const std::string& program);

}  // namespace mxd
