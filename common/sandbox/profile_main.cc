// mxd-seccomp-profile: prints the container runtime's seccomp profile,
// generated from the same allowlist the services install themselves.
#include <iostream>

#include "common/cli/arguments.h"
#include "common/sandbox/syscall_allowlist.h"

int main(int argc, char** argv) {
  if (mxd::PrintedHelpOrVersion(
          argc, argv, "mxd-seccomp-profile",
          "usage: mxd-seccomp-profile\nprints the OCI seccomp profile (JSON) of the services' "
          "system-call allowlist")) {
    return 0;
  }
  if (argc > 1) {
    std::cerr << "usage: mxd-seccomp-profile\n";
    return 64;
  }
  std::cout << mxd::OciSeccompProfile();
  return 0;
}
