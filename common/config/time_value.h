// Postfix time values: "300s", "5m", "1h", "2d", "1w", or a bare number in
// the parameter's default unit.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace mxd {

absl::StatusOr<absl::Duration> ParseTimeValue(absl::string_view text, char default_unit = 's');

// The shortest exact Postfix spelling: 300s -> "5m", 90s -> "90s".
std::string FormatTimeValue(absl::Duration d);

}  // namespace mxd
