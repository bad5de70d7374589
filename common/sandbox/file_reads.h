// Which files a confined service may still open for reading: only those
// beneath the paths given here (the gRPC TLS files, so that gRPC can read
// them again when they change, and the spool directory). Landlock does the
// restricting; the seccomp filter (sandbox.cc) then lets read-only opens
// through, which it refuses when this is not in force.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace mxd {

// Landlock binds the calling thread and the threads it starts afterwards,
// never threads already running: call it while the process has one thread.
// FailedPrecondition when more run, Unimplemented when the kernel has no
// Landlock (or a container runtime hides it). Directories cover everything
// beneath them (Kubernetes swaps a Secret's files through a "..data"
// symbolic link inside the mounted directory); files cover themselves.
absl::Status LimitFileReadsTo(const std::vector<std::string>& paths);

// The kernel's Landlock ABI version, 0 without Landlock.
int LandlockAbi();

// The thread count from /proc/self/status (0 when unreadable).
int ThreadCount();

}  // namespace mxd
