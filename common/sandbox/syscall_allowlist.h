// The system calls mxd's services may make, declared once. The seccomp
// filter installed after start-up (sandbox.cc) allows exactly the runtime
// list; the container runtime's profile (OciSeccompProfile, committed as
// k8s/base/seccomp/mxd-seccomp.json) allows the runtime list plus what
// start-up needs, so both layers agree.
#pragma once

#include <string>

#include "absl/types/span.h"

namespace mxd {

struct SyscallRule {
  const char* name;
  // kOpenTmpfileOnly: openat() only with O_TMPFILE (the delivery spool);
  // every other open fails with EACCES.
  enum class Args { kAny, kOpenTmpfileOnly } args = Args::kAny;
};

// What a running service needs: sockets, epoll, threads, memory, time.
absl::Span<const SyscallRule> RuntimeSyscalls();

// What only start-up needs (exec, reading configuration files, binding the
// listening socket, changing user): in the container profile, never in the
// filter a running service installs.
absl::Span<const char* const> StartupSyscalls();

// The OCI (Docker/Kubernetes) seccomp profile, as JSON.
std::string OciSeccompProfile();

}  // namespace mxd
