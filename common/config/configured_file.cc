#include "common/config/configured_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mxd {

absl::StatusOr<std::string> ReadConfiguredFile(absl::string_view path, const FileContents* files,
                                               absl::string_view what) {
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": expected an absolute path"));
  }
  if (files != nullptr) {
    auto it = files->find(path);
    if (it == files->end()) return absl::NotFoundError(absl::StrCat("cannot open ", what, " ", path));
    return it->second;
  }
  std::ifstream in{std::string(path)};
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", what, " ", path));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace mxd
