#include "delivery-svc/mime/mime_header.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace mxd {
namespace {

bool IsNameChar(char c) { return c >= 33 && c <= 126 && c != ':'; }

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// RFC 2045 token: no space, control or tspecial. 8-bit octets are let in,
// as lenient parsers do.
bool IsTokenChar(char c) {
  const unsigned char u = static_cast<unsigned char>(c);
  if (u <= 32 || u == 127) return false;
  return absl::string_view("()<>@,;:\\\"/[]?=").find(c) == absl::string_view::npos;
}

// Skips white space and (nested) comments.
void SkipCfws(absl::string_view v, size_t* pos) {
  size_t depth = 0;
  while (*pos < v.size()) {
    const char c = v[*pos];
    if (depth > 0) {
      if (c == '\\' && *pos + 1 < v.size()) {
        ++*pos;  // a quoted pair; a last backslash stays in the value
      } else if (c == '(') {
        ++depth;
      } else if (c == ')') {
        --depth;
      }
    } else if (c == '(') {
      depth = 1;
    } else if (!IsSpace(c)) {
      return;
    }
    ++*pos;
  }
}

absl::string_view Token(absl::string_view v, size_t* pos) {
  const size_t start = *pos;
  while (*pos < v.size() && IsTokenChar(v[*pos])) ++*pos;
  return v.substr(start, *pos - start);
}

// Moves past the next ";" that is not inside a quoted string.
void SkipToSemicolon(absl::string_view v, size_t* pos) {
  bool quoted = false;
  for (; *pos < v.size(); ++*pos) {
    const char c = v[*pos];
    if (quoted && c == '\\' && *pos + 1 < v.size()) {
      ++*pos;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (!quoted && c == ';') {
      ++*pos;
      return;
    }
  }
}

// A parameter value: a quoted string (unescaped) or, like Python's email
// package and most mail readers, everything up to the next ";".
std::string ParamValue(absl::string_view v, size_t* pos) {
  std::string value;
  if (*pos < v.size() && v[*pos] == '"') {
    for (++*pos; *pos < v.size() && v[*pos] != '"'; ++*pos) {
      if (v[*pos] == '\\' && *pos + 1 < v.size()) ++*pos;
      value.push_back(v[*pos]);
    }
    if (*pos < v.size()) ++*pos;  // the closing quote
    return value;
  }
  const size_t start = *pos;
  while (*pos < v.size() && v[*pos] != ';') ++*pos;
  return std::string(absl::StripAsciiWhitespace(v.substr(start, *pos - start)));
}

}  // namespace

size_t HeaderFieldValueOffset(absl::string_view line) {
  size_t i = 0;
  while (i < line.size() && IsNameChar(line[i])) ++i;
  if (i == 0) return 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  return i < line.size() && line[i] == ':' ? i + 1 : 0;
}

bool HeaderFieldIs(absl::string_view line, absl::string_view name) {
  if (HeaderFieldValueOffset(line) == 0) return false;
  size_t i = 0;
  while (i < line.size() && IsNameChar(line[i])) ++i;
  return absl::EqualsIgnoreCase(line.substr(0, i), name);
}

TransferEncoding ParseTransferEncoding(absl::string_view value) {
  size_t pos = 0;
  SkipCfws(value, &pos);
  const std::string token = absl::AsciiStrToLower(Token(value, &pos));
  if (token == "7bit") return TransferEncoding::k7Bit;
  if (token == "8bit") return TransferEncoding::k8Bit;
  if (token == "binary") return TransferEncoding::kBinary;
  if (token == "quoted-printable") return TransferEncoding::kQuotedPrintable;
  if (token == "base64") return TransferEncoding::kBase64;
  return TransferEncoding::kOther;
}

ContentType ParseContentType(absl::string_view value) {
  ContentType ct;
  size_t pos = 0;
  SkipCfws(value, &pos);
  ct.type = absl::AsciiStrToLower(Token(value, &pos));
  SkipCfws(value, &pos);
  if (pos < value.size() && value[pos] == '/') {
    ++pos;
    SkipCfws(value, &pos);
    ct.subtype = absl::AsciiStrToLower(Token(value, &pos));
  }
  ct.valid = !ct.type.empty() && !ct.subtype.empty();
  while (pos < value.size()) {
    SkipToSemicolon(value, &pos);
    SkipCfws(value, &pos);
    const std::string attribute = absl::AsciiStrToLower(Token(value, &pos));
    SkipCfws(value, &pos);
    if (pos >= value.size() || value[pos] != '=') continue;
    ++pos;
    SkipCfws(value, &pos);
    std::string v = ParamValue(value, &pos);
    if (attribute == "boundary" && !ct.has_boundary) {
      ct.has_boundary = true;
      ct.boundary = std::string(absl::StripTrailingAsciiWhitespace(v));
    }
  }
  return ct;
}

}  // namespace mxd
