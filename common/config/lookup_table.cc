#include "common/config/lookup_table.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace mxd {

absl::StatusOr<LookupTable> LookupTable::Parse(absl::string_view text, absl::string_view source_name) {
  LookupTable t;
  t.source_ = std::string(source_name);
  std::string key, value;
  int key_line = 0;
  auto flush = [&]() -> absl::Status {
    if (key.empty()) return absl::OkStatus();
    absl::StripAsciiWhitespace(&value);
    if (value.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(source_name, " line ", key_line, ": key \"", key, "\" has no value"));
    }
    t.entries_.insert_or_assign(absl::AsciiStrToLower(key), Entry{value, key_line});
    key.clear();
    value.clear();
    return absl::OkStatus();
  };
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    absl::ConsumeSuffix(&line, "\r");
    const absl::string_view stripped = absl::StripAsciiWhitespace(line);
    if (stripped.empty() || stripped[0] == '#') continue;
    if (absl::ascii_isspace(static_cast<unsigned char>(line[0]))) {
      if (key.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(source_name, " line ", n, ": continuation line without a key"));
      }
      absl::StrAppend(&value, " ", stripped);
      continue;
    }
    if (absl::Status s = flush(); !s.ok()) return s;
    const size_t sp = stripped.find_first_of(" \t");
    key = std::string(stripped.substr(0, sp));
    value = sp == absl::string_view::npos ? "" : std::string(stripped.substr(sp));
    key_line = n;
  }
  if (absl::Status s = flush(); !s.ok()) return s;
  return t;
}

std::string LookupTable::PathOf(absl::string_view spec) {
  absl::string_view path = spec;
  for (absl::string_view type : {"hash:", "texthash:", "btree:", "lmdb:", "cdb:"}) {
    if (absl::ConsumePrefix(&path, type)) break;
  }
  return absl::StartsWith(path, "/") ? std::string(path) : "";
}

absl::StatusOr<LookupTable> LookupTable::Load(absl::string_view spec) { return Load(spec, nullptr); }

absl::StatusOr<LookupTable> LookupTable::Load(absl::string_view spec, const FileContents* files) {
  if (spec.empty()) return LookupTable{};
  absl::string_view path = spec;
  for (absl::string_view type : {"hash:", "texthash:", "btree:", "lmdb:", "cdb:"}) {
    if (absl::ConsumePrefix(&path, type)) break;
  }
  if (!absl::StartsWith(path, "/")) {
    return absl::InvalidArgumentError(absl::StrCat("lookup table \"", spec,
                                                   "\": expected type:/absolute/path (hash:, texthash:, "
                                                   "btree:, lmdb: or cdb: read as the text source)"));
  }
  absl::StatusOr<std::string> text = ReadConfiguredFile(path, files, "lookup table");
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

std::optional<std::string> LookupTable::Find(absl::string_view key) const {
  auto it = entries_.find(absl::AsciiStrToLower(key));
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

std::vector<std::string> LookupTable::Keys() const {
  std::vector<std::string> keys;
  for (const auto& [key, unused] : entries_) keys.push_back(key);
  return keys;
}

std::string LookupTable::Origin(absl::string_view key) const {
  auto it = entries_.find(absl::AsciiStrToLower(key));
  if (it == entries_.end()) return source_;
  return absl::StrCat(source_, " line ", it->second.line);
}

}  // namespace mxd
