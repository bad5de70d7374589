// mxd-seccomp-profile: prints the container runtime's seccomp profile,
// generated from the same allowlist the services install themselves.
#include <iostream>

#include "common/sandbox/syscall_allowlist.h"

int main() {
  std::cout << mxd::OciSeccompProfile();
  return 0;
}
