#include "common/log/json_log.h"

#include <unistd.h>

#include <atomic>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

std::atomic<int> g_min_level{static_cast<int>(LogLevel::kInfo)};
std::atomic<LogSink*> g_sink{nullptr};

absl::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

void AppendJsonString(std::string* out, absl::string_view s) {
  out->push_back('"');
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      // JSON is UTF-8: a well-formed sequence is kept, any other octet is
      // replaced as Printable() does.
      const size_t n = Utf8SequenceLength(s.substr(i));
      if (n == 0) {
        out->push_back('?');
      } else {
        out->append(s.data() + i, n);
        i += n - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(out, "\\u%04x", c);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

void SetMinLogLevel(LogLevel level) { g_min_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= g_min_level.load(std::memory_order_relaxed);
}

void Log(LogLevel level, absl::string_view event, std::initializer_list<LogField> fields,
         std::initializer_list<LogNumber> numbers) {
  if (!LogEnabled(level)) return;
  std::string line = "{\"time\":";
  AppendJsonString(&line, absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone()));
  line += ",\"level\":";
  AppendJsonString(&line, LevelName(level));
  line += ",\"event\":";
  AppendJsonString(&line, event);
  for (const auto& [key, value] : fields) {
    line.push_back(',');
    AppendJsonString(&line, key);
    line.push_back(':');
    AppendJsonString(&line, value);
  }
  for (const auto& [key, value] : numbers) {
    line.push_back(',');
    AppendJsonString(&line, key);
    line.push_back(':');
    if (std::isfinite(value)) {
      absl::StrAppendFormat(&line, "%.6g", value);
    } else {
      line += "null";
    }
  }
  line += "}\n";
  if (LogSink* sink = g_sink.load()) return (*sink)(line);
  // One write per line; a short write on stderr is not worth retrying for.
  ssize_t n = ::write(STDERR_FILENO, line.data(), line.size());
  (void)n;
}

void SetLogSinkForTesting(LogSink* sink) { g_sink.store(sink); }

}  // namespace mxd
