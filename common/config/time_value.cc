#include "common/config/time_value.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

int64_t UnitSeconds(char unit) {
  switch (absl::ascii_tolower(static_cast<unsigned char>(unit))) {
    case 's': return 1;
    case 'm': return 60;
    case 'h': return 3600;
    case 'd': return 86400;
    case 'w': return 7 * 86400;
    default: return 0;
  }
}

}  // namespace

absl::StatusOr<absl::Duration> ParseTimeValue(absl::string_view text, char default_unit) {
  absl::string_view s = absl::StripAsciiWhitespace(text);
  char unit = default_unit;
  if (!s.empty() && absl::ascii_isalpha(static_cast<unsigned char>(s.back()))) {
    unit = s.back();
    s.remove_suffix(1);
  }
  int64_t n = 0;
  const int64_t per = UnitSeconds(unit);
  if (per == 0) {
    return absl::InvalidArgumentError(absl::StrCat("bad time unit '", absl::string_view(&unit, 1), "' in '",
                                                   text, "' (use s, m, h, d or w)"));
  }
  if (s.empty() || !absl::ascii_isdigit(static_cast<unsigned char>(s[0])) || !absl::SimpleAtoi(s, &n) ||
      n > INT64_MAX / per) {
    return absl::InvalidArgumentError(absl::StrCat("bad time value '", text, "'"));
  }
  return absl::Seconds(n * per);
}

std::string FormatTimeValue(absl::Duration d) {
  int64_t secs = absl::ToInt64Seconds(d);
  static constexpr struct {
    int64_t per;
    char unit;
  } kUnits[] = {{7 * 86400, 'w'}, {86400, 'd'}, {3600, 'h'}, {60, 'm'}};
  for (const auto& u : kUnits) {
    if (secs != 0 && secs % u.per == 0) return absl::StrCat(secs / u.per, std::string(1, u.unit));
  }
  return absl::StrCat(secs, "s");
}

}  // namespace mxd
