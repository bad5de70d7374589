#include "common/config/config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/config/time_value.h"

namespace mxd {
namespace {

absl::Status CheckBool(absl::string_view v) {
  std::string s = absl::AsciiStrToLower(v);
  if (s == "yes" || s == "no" || s == "true" || s == "false") return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat("bad boolean value '", v, "' (use yes or no)"));
}

bool IsChoice(const ParameterSpec& spec, absl::string_view v) {
  for (absl::string_view c : absl::StrSplit(spec.choices, ',')) {
    if (absl::EqualsIgnoreCase(c, v)) return true;
  }
  return false;
}

absl::Status CheckValue(const ParameterSpec& spec, absl::string_view v) {
  switch (spec.type) {
    case ParamType::kBool: return CheckBool(v);
    case ParamType::kInt: {
      int64_t n = 0;
      if (!absl::SimpleAtoi(v, &n)) {
        return absl::InvalidArgumentError(absl::StrCat("bad numerical value '", v, "'"));
      }
      if (n < spec.min || n > spec.max) {
        return absl::InvalidArgumentError(
            absl::StrCat("value ", n, " out of range [", spec.min, "..", spec.max, "]"));
      }
      return absl::OkStatus();
    }
    case ParamType::kTime: {
      auto d = ParseTimeValue(v, spec.time_unit);
      if (!d.ok()) return d.status();
      int64_t secs = absl::ToInt64Seconds(*d);
      if (secs < spec.min || secs > spec.max) {
        return absl::InvalidArgumentError(absl::StrCat("time value '", v, "' out of range [",
                                                       FormatTimeValue(absl::Seconds(spec.min)), "..",
                                                       FormatTimeValue(absl::Seconds(spec.max)), "]"));
      }
      return absl::OkStatus();
    }
    case ParamType::kChoice:
      if (IsChoice(spec, v)) return absl::OkStatus();
      return absl::InvalidArgumentError(
          absl::StrCat("bad value '", v, "' (choose one of: ", spec.choices, ")"));
    case ParamType::kList:
      if (!spec.choices.empty()) {
        for (const std::string& e : SplitList(v)) {
          if (!IsChoice(spec, e)) {
            return absl::InvalidArgumentError(
                absl::StrCat("bad list element '", e, "' (choose from: ", spec.choices, ")"));
          }
        }
      }
      return absl::OkStatus();
    case ParamType::kString: return absl::OkStatus();
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<std::string> SplitList(absl::string_view value) {
  return absl::StrSplit(value, absl::ByAnyChar(", \t\r\n"), absl::SkipEmpty());
}

absl::StatusOr<Config> Config::Build(const std::vector<Assignment>& assignments) {
  Config c;
  for (const ParameterSpec& spec : AllParameters()) {
    Value v;
    v.spec = &spec;
    v.raw = spec.dynamic_default ? spec.dynamic_default() : std::string(spec.default_value);
    v.origin = "default";
    c.values_.emplace(std::string(spec.name), std::move(v));
  }
  for (const Assignment& a : assignments) {
    auto it = c.values_.find(a.name);
    if (it == c.values_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(a.origin, ": unknown parameter '", a.name, "'"));
    }
    it->second.raw = a.value;
    it->second.origin = a.origin;
  }
  for (auto& [name, v] : c.values_) {
    std::vector<std::string> stack;
    if (absl::Status s = c.Expand(v, stack); !s.ok()) return s;
  }
  for (auto& [name, v] : c.values_) {
    if (absl::Status s = CheckValue(*v.spec, v.expanded); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(v.origin, ": parameter ", name, ": ", s.message()));
    }
  }
  return c;
}

// Expands $name, ${name} and $(name); "$$" is a literal '$'.
absl::Status Config::Expand(Value& v, std::vector<std::string>& stack) {
  if (!v.expanded.empty() || v.raw.empty()) {
    if (v.expanded.empty()) v.expanded = v.raw;
    return absl::OkStatus();
  }
  const std::string& name = std::string(v.spec->name);
  if (std::find(stack.begin(), stack.end(), name) != stack.end()) {
    return absl::InvalidArgumentError(absl::StrCat(v.origin, ": parameter ", name,
                                                   ": recursive reference to itself via $",
                                                   absl::StrJoin(stack, " -> $")));
  }
  stack.push_back(name);
  std::string out;
  const std::string& raw = v.raw;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '$') {
      out.push_back(raw[i]);
      continue;
    }
    if (i + 1 < raw.size() && raw[i + 1] == '$') {
      out.push_back('$');
      ++i;
      continue;
    }
    size_t start = i + 1, end = start;
    char close = 0;
    if (start < raw.size() && (raw[start] == '{' || raw[start] == '(')) {
      close = raw[start] == '{' ? '}' : ')';
      ++start;
      end = raw.find(close, start);
      if (end == std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(v.origin, ": parameter ", name, ": missing '",
                                                       std::string(1, close), "' in \"", raw, "\""));
      }
    } else {
      while (end < raw.size() &&
             (absl::ascii_isalnum(static_cast<unsigned char>(raw[end])) || raw[end] == '_')) {
        ++end;
      }
    }
    std::string ref = raw.substr(start, end - start);
    auto it = values_.find(ref);
    if (ref.empty() || it == values_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          v.origin, ": parameter ", name, ": reference to unknown parameter $", ref.empty() ? "?" : ref));
    }
    if (absl::Status s = Expand(it->second, stack); !s.ok()) return s;
    out += it->second.expanded;
    i = close ? end : end - 1;
  }
  stack.pop_back();
  v.expanded = std::move(out);
  return absl::OkStatus();
}

const Config::Value& Config::Lookup(absl::string_view name, ParamType type) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.spec->type != type) {
    std::fprintf(stderr, "fatal: parameter %.*s is not declared with that type\n",
                 static_cast<int>(name.size()), name.data());
    std::abort();
  }
  return it->second;
}

bool Config::GetBool(absl::string_view name) const {
  std::string v = absl::AsciiStrToLower(Lookup(name, ParamType::kBool).expanded);
  return v == "yes" || v == "true";
}

int64_t Config::GetInt(absl::string_view name) const {
  int64_t n = 0;
  (void)absl::SimpleAtoi(Lookup(name, ParamType::kInt).expanded, &n);  // checked in Build
  return n;
}

absl::Duration Config::GetTime(absl::string_view name) const {
  const Value& v = Lookup(name, ParamType::kTime);
  return ParseTimeValue(v.expanded, v.spec->time_unit).value_or(absl::ZeroDuration());
}

const std::string& Config::GetString(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() ||
      (it->second.spec->type != ParamType::kString && it->second.spec->type != ParamType::kChoice)) {
    return Lookup(name, ParamType::kString).expanded;  // aborts with the message
  }
  return it->second.expanded;
}

std::vector<std::string> Config::GetList(absl::string_view name) const {
  return SplitList(Lookup(name, ParamType::kList).expanded);
}

const std::string& Config::Origin(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return Lookup(name, ParamType::kString).origin;  // aborts
  return it->second.origin;
}

std::string Config::Dump(bool all) const {
  std::string out;
  for (const ParameterSpec& spec : AllParameters()) {
    const Value& v = values_.at(spec.name);
    if (!all && v.origin == "default") continue;
    absl::StrAppend(&out, spec.name, " = ", v.raw, "\n");
  }
  return out;
}

}  // namespace mxd
