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
  // Which arguments a running service may pass (sandbox.cc turns each into
  // seccomp argument filters; anything else kills, unless said otherwise):
  //   kOpenTmpfileOnly   openat() with O_TMPFILE only (the delivery spool);
  //                      every other open fails with EACCES
  //   kNoNamespaces      clone() without any CLONE_NEW* flag (threads)
  //   kEnosys            fails with ENOSYS (clone3: glibc falls back to clone)
  //   kSocketFamilies    socket() for IPv4, IPv6 and Unix sockets; other
  //                      families (netlink, packet, ...) fail with EAFNOSUPPORT
  //   kIoctlRequests     ioctl() for kIoctlRequests below only: no TIOCSTI
  //   kPrctlOptions      prctl() for kPrctlOptions below only
  //   kOwnProcess        tgkill() to this process's own threads only
  enum class Args {
    kAny,
    kOpenTmpfileOnly,
    kNoNamespaces,
    kEnosys,
    kSocketFamilies,
    kIoctlRequests,
    kPrctlOptions,
    kOwnProcess,
  } args = Args::kAny;
};

// The ioctl requests and prctl options a running service makes.
absl::Span<const unsigned long> AllowedIoctlRequests();
absl::Span<const int> AllowedPrctlOptions();
absl::Span<const int> AllowedSocketFamilies();
// Every CLONE_NEW* flag.
unsigned long NamespaceCloneFlags();

// What a running service needs: sockets, epoll, threads, memory, time.
absl::Span<const SyscallRule> RuntimeSyscalls();

// What only start-up needs (exec, reading configuration files, binding the
// listening socket, changing user): in the container profile, never in the
// filter a running service installs.
absl::Span<const char* const> StartupSyscalls();

// The OCI (Docker/Kubernetes) seccomp profile, as JSON.
std::string OciSeccompProfile();

}  // namespace mxd
