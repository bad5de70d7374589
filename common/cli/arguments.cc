#include "common/cli/arguments.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace mxd {

std::optional<std::string> ParsedArgs::Get(const std::string& name) const {
  auto it = values.find(name);
  if (it == values.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::GetOr(const std::string& name, const std::string& fallback) const {
  return Get(name).value_or(fallback);
}

absl::StatusOr<ParsedArgs> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (options_done || !absl::StartsWith(a, "--") || a == "-") {
      out.positional.push_back(a);
      continue;
    }
    if (a == "--") {
      options_done = true;
      continue;
    }
    std::string name = a.substr(2);
    std::optional<std::string> value;
    if (size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto spec = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == name; });
    if (spec == specs.end()) return absl::InvalidArgumentError(absl::StrCat("unknown option --", name));
    if (!spec->takes_value) {
      if (value) return absl::InvalidArgumentError(absl::StrCat("option --", name, " takes no value"));
      out.switches.insert(name);
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat("option --", name, " needs a value"));
      value = args[++i];
    }
    auto& list = out.values[name];
    if (!list.empty() && !spec->repeatable) {
      return absl::InvalidArgumentError(absl::StrCat("option --", name, " given more than once"));
    }
    list.push_back(*value);
  }
  return out;
}

std::string FormatOptions(const std::vector<OptionSpec>& specs) {
  std::string out;
  for (const OptionSpec& s : specs) {
    std::string left = absl::StrCat("--", s.name, s.takes_value ? " VALUE" : "");
    absl::StrAppendFormat(&out, "  %-22s %s\n", left, s.help);
  }
  return out;
}

bool PrintedHelpOrVersion(int argc, char** argv, const std::string& program, const std::string& usage) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      std::printf("%s\n", usage.c_str());
      return true;
    }
    if (a == "--version") {
      std::printf("%s (mxd) %s\n", program.c_str(), MXD_VERSION);
      return true;
    }
  }
  return false;
}

}  // namespace mxd
