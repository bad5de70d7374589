#pragma once
// The process's open file limit. Every accepted Deliver call holds a spool
// file and every SMTP session a socket, so the soft limit is raised to the
// hard one at start-up (a shell's default of 1024 is far below the request
// limits), and a limit that is still too low is reported then, not as
// EMFILE under load.

#include <cstdint>

namespace mxd {

// Raises RLIMIT_NOFILE's soft limit to its hard limit; returns the soft limit
// in force afterwards (0 if it could not be read).
uint64_t RaiseOpenFileLimit();

}  // namespace mxd
