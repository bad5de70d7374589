#include "common/config/main_cf_parser.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace mxd {
namespace {

bool IsNameChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

absl::Status CheckName(absl::string_view name, absl::string_view where) {
  if (name.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": missing parameter name"));
  for (char c : name) {
    if (!IsNameChar(c)) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": bad parameter name '", name, "'"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Assignment> SplitAssignment(absl::string_view logical, std::string origin) {
  size_t eq = logical.find('=');
  if (eq == absl::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat(origin, ": missing '=' after parameter name in \"", logical, "\""));
  }
  Assignment a;
  a.name = std::string(absl::StripAsciiWhitespace(logical.substr(0, eq)));
  a.value = std::string(absl::StripAsciiWhitespace(logical.substr(eq + 1)));
  if (absl::Status s = CheckName(a.name, origin); !s.ok()) return s;
  a.origin = std::move(origin);
  return a;
}

}  // namespace

absl::StatusOr<std::vector<Assignment>> ParseMainCf(absl::string_view text, absl::string_view source_name) {
  std::vector<Assignment> out;
  std::string logical;
  int logical_line = 0;
  auto flush = [&]() -> absl::Status {
    if (logical.empty()) return absl::OkStatus();
    auto a = SplitAssignment(logical, absl::StrCat(source_name, " line ", logical_line));
    logical.clear();
    if (!a.ok()) return a.status();
    out.push_back(*std::move(a));
    return absl::OkStatus();
  };

  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    for (char c : line) {
      if (c == '\0') {
        return absl::InvalidArgumentError(absl::StrCat(source_name, " line ", line_no, ": NUL character"));
      }
    }
    absl::string_view stripped = absl::StripAsciiWhitespace(line);
    // Comments and blank lines end nothing: Postfix lets a continuation
    // resume after them.
    if (stripped.empty() || stripped[0] == '#') continue;
    if (absl::ascii_isspace(static_cast<unsigned char>(line[0]))) {
      if (logical.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_name, " line ", line_no, ": continuation line without a parameter above it"));
      }
      absl::StrAppend(&logical, " ", stripped);
      continue;
    }
    if (absl::Status s = flush(); !s.ok()) return s;
    logical = std::string(stripped);
    logical_line = line_no;
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  return out;
}

absl::StatusOr<Assignment> ParseOverride(absl::string_view arg) {
  for (char c : arg) {
    if (c == '\0' || c == '\n' || c == '\r') {
      return absl::InvalidArgumentError("-o: control character in override");
    }
  }
  return SplitAssignment(arg, "-o");
}

}  // namespace mxd
