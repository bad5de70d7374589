// Reading a file main.cf names (a lookup table's source, route_key_file):
// from disk before confinement, or from the contents ConfigReader's helper
// read for a service that can no longer open files (SIGHUP).
#pragma once

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace mxd {

using FileContents = absl::flat_hash_map<std::string, std::string>;  // path -> text

// `what` names the file in errors ("lookup table", "route_key_file").
// The path must be absolute.
absl::StatusOr<std::string> ReadConfiguredFile(absl::string_view path, const FileContents* files,
                                               absl::string_view what);

}  // namespace mxd
