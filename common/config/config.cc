#include "common/config/config.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <utility>

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

// A Postfix parameter mxd does not use: accepted as free text (with a
// warning), expanded only where an mxd parameter refers to it.
const ParameterSpec* PostfixOnlyParameter(absl::string_view name) {
  static const absl::flat_hash_map<absl::string_view, ParameterSpec>* specs = [] {
    static constexpr const char* kNames[] = {
#include "common/config/postfix_parameter_names.inc"
    };
    auto* m = new absl::flat_hash_map<absl::string_view, ParameterSpec>;
    for (const char* n : kNames) {
      ParameterSpec s{};
      s.name = n;
      s.type = ParamType::kString;
      s.description = "a Postfix parameter mxd does not use";
      s.users = 0;
      m->emplace(s.name, s);
    }
    return m;
  }();
  auto it = specs->find(name);
  return it == specs->end() ? nullptr : &it->second;
}

// The end of a "${...}" starting at `open` (the '{'), braces nested.
size_t MatchingBrace(const std::string& s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string::npos;
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
      // Postfix's own parameters: a real main.cf has them. Warned about
      // once, as Postfix warns about unused parameters; anything else is a
      // typo and refused.
      const ParameterSpec* postfix = PostfixOnlyParameter(a.name);
      if (postfix == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(a.origin, ": unknown parameter '", a.name, "'"));
      }
      Value v;
      v.spec = postfix;
      it = c.values_.emplace(a.name, std::move(v)).first;
    }
    it->second.raw = a.value;
    it->second.origin = a.origin;
  }
  for (auto& [name, v] : c.values_) {
    if (v.spec->users == 0) {
      c.warnings_.push_back(absl::StrCat(v.origin, ": unused parameter: ", name, "=", v.raw));
      continue;  // expanded only where an mxd parameter refers to it
    }
    std::vector<std::string> stack;
    if (absl::Status s = c.Expand(v, stack); !s.ok()) return s;
  }
  std::sort(c.warnings_.begin(), c.warnings_.end());
  for (auto& [name, v] : c.values_) {
    if (v.spec->users == 0) continue;
    if (absl::Status s = CheckValue(*v.spec, v.expanded); !s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(v.origin, ": parameter ", name, ": ", s.message()));
    }
  }
  return c;
}

// Expands $name, ${name} and $(name); "$$" is a literal '$'. Postfix 3's
// conditionals: ${name?value} is value when $name is not empty, ${name:value}
// when it is (value may be written {value}, and is expanded itself).
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
      end = close == '}' ? MatchingBrace(raw, start) : raw.find(close, start);
      ++start;
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
    std::optional<std::pair<char, std::string>> conditional;  // ${name?value}, ${name:value}
    if (close == '}') {
      const size_t op = ref.find_first_of("?:");
      if (op != std::string::npos) {
        std::string text = ref.substr(op + 1);
        if (text.size() >= 2 && text.front() == '{' && text.back() == '}')
          text = text.substr(1, text.size() - 2);
        conditional.emplace(ref[op], std::move(text));
        ref.resize(op);
      }
    }
    auto it = values_.find(ref);
    if (ref.empty() || it == values_.end()) {
      const bool postfix = !ref.empty() && PostfixOnlyParameter(ref) != nullptr;
      return absl::InvalidArgumentError(
          absl::StrCat(v.origin, ": parameter ", name, ": reference to ",
                       postfix ? "$" + ref + ", a Postfix parameter mxd knows only when it is set: set it"
                               : "unknown parameter $" + (ref.empty() ? std::string("?") : ref)));
    }
    if (absl::Status s = Expand(it->second, stack); !s.ok()) return s;
    if (conditional) {
      const bool set = !it->second.expanded.empty();
      if (set == (conditional->first == '?')) {
        // The value is expanded like any other text, as part of this parameter.
        Value inner;
        inner.spec = v.spec;
        inner.raw = conditional->second;
        inner.origin = v.origin;
        stack.pop_back();
        if (absl::Status s = Expand(inner, stack); !s.ok()) return s;
        stack.push_back(name);
        out += inner.expanded;
      }
    } else {
      out += it->second.expanded;
    }
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
