#include "common/config/config_loader.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace mxd {

std::vector<std::string> ExtractOverrides(int& argc, char** argv) {
  std::vector<std::string> overrides;
  int out = 1;
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") {  // everything after belongs to the program
      while (i < argc) argv[out++] = argv[i++];
      break;
    }
    if (arg == "-o" && i + 1 < argc) {
      overrides.emplace_back(argv[++i]);
    } else if (absl::StartsWith(arg, "-o") && arg.size() > 2 && arg[2] != '-') {
      overrides.emplace_back(arg.substr(2));
    } else {
      argv[out++] = argv[i];
    }
  }
  argc = out;
  argv[argc] = nullptr;
  return overrides;
}

absl::StatusOr<Config> LoadConfig(const std::string& config_file, const std::vector<std::string>& overrides) {
  std::string text;
  if (!config_file.empty()) {
    std::ifstream in(config_file, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot open configuration file ", config_file, ": ", std::strerror(errno)));
    }
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  return ConfigFromText(text, config_file, overrides);
}

absl::StatusOr<Config> ConfigFromText(absl::string_view main_cf, const std::string& source,
                                      const std::vector<std::string>& overrides) {
  std::vector<Assignment> assignments;
  if (!source.empty()) {
    auto parsed = ParseMainCf(main_cf, source);
    if (!parsed.ok()) return parsed.status();
    assignments = *std::move(parsed);
  }
  for (const std::string& o : overrides) {
    auto a = ParseOverride(o);
    if (!a.ok()) return a.status();
    assignments.push_back(*std::move(a));
  }
  return Config::Build(assignments);
}

}  // namespace mxd
