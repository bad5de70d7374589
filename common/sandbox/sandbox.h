// Confinement after start-up: drop root to an unprivileged user, set
// no_new_privs, and install the seccomp filter (syscall_allowlist.cc) on
// every thread. A forbidden system call then kills the process, after one
// log line naming it.
#pragma once

#include <string>

#include "absl/status/status.h"

namespace mxd {

// `user` is taken only when running as root ("nobody" by default). Without
// `seccomp`, only the privileges are dropped (and no_new_privs set).
absl::Status EnterSandbox(const std::string& user, bool seccomp);

// Logs, loudly, that the process runs without its sandbox (--no-sandbox).
void WarnNoSandbox(const std::string& program);

}  // namespace mxd
