// Structured logs: one JSON object per line on stderr, written with a single
// write(2) so lines from different threads never interleave.
//
//   LogInfo("resolve", {{"nexthop", "example.com"}, {"outcome", "ok"}},
//           {{"duration_ms", 1.25}});
#pragma once

#include <functional>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace mxd {

enum class LogLevel { kDebug, kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, absl::string_view>;
using LogNumber = std::pair<absl::string_view, double>;

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields,
         std::initializer_list<LogNumber> numbers = {});

inline void LogInfo(absl::string_view event, std::initializer_list<LogField> fields,
                    std::initializer_list<LogNumber> numbers = {}) {
  Log(LogLevel::kInfo, event, fields, numbers);
}
inline void LogWarning(absl::string_view event, std::initializer_list<LogField> fields,
                       std::initializer_list<LogNumber> numbers = {}) {
  Log(LogLevel::kWarning, event, fields, numbers);
}
inline void LogError(absl::string_view event, std::initializer_list<LogField> fields,
                     std::initializer_list<LogNumber> numbers = {}) {
  Log(LogLevel::kError, event, fields, numbers);
}

// Messages at a lower level than this are dropped (default: info).
void SetMinLogLevel(LogLevel level);
// Whether a line at `level` would be written: lets a hot path skip building
// the fields of a line nobody will see.
bool LogEnabled(LogLevel level);

// Tests and fuzz targets read the lines instead of stderr (nullptr: stderr
// again). The sink must outlive its use.
using LogSink = std::function<void(absl::string_view line)>;
void SetLogSinkForTesting(LogSink* sink);

// JSON string escaping (RFC 8259), shared with mxctl's --json output. The
// result is valid UTF-8 whatever `s` holds (see common/text/printable.h).
void AppendJsonString(std::string* out, absl::string_view s);

}  // namespace mxd
