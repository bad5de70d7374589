// The whole of a small file (a configuration, a certificate, a key), with
// the reason named when it cannot be read.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace mxd {

// InvalidArgument "cannot read PATH: REASON" when it cannot be opened or read.
absl::StatusOr<std::string> ReadWholeFile(const std::string& path);

}  // namespace mxd
