// Declaration of one configuration parameter: the single source of truth for
// its name, type, default and meaning (see parameter_table.cc).
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace mxd {

enum class ParamType {
  kBool,    // yes / no
  kInt,     // decimal integer within [min, max]
  kTime,    // Postfix time: number with optional unit s, m, h, d, w
  kString,  // free text
  kList,    // comma- and/or whitespace-separated list
  kChoice,  // one of `choices`
};

// Which programs read the parameter. A file shared by both services may hold
// either's parameters; only names no program knows are refused.
enum ParamUser : unsigned {
  kResolverSvc = 1u << 0,
  kDeliverySvc = 1u << 1,
  kBothSvcs = kResolverSvc | kDeliverySvc,
};

struct ParameterSpec {
  absl::string_view name;
  ParamType type;
  // Default value as it would appear in main.cf; may refer to other
  // parameters as $name. Empty with `dynamic_default` set: computed at start.
  absl::string_view default_value;
  absl::string_view description;
  unsigned users = kBothSvcs;
  // kInt bounds; for kTime, bounds in seconds.
  int64_t min = 0;
  int64_t max = std::numeric_limits<int32_t>::max();
  // kChoice (and each element of a kList when set): "a,b,c".
  absl::string_view choices = {};
  // Default unit for kTime values written without one.
  char time_unit = 's';
  // Computes the default at start-up (myhostname).
  std::string (*dynamic_default)() = nullptr;
  // The value names a file the service reads (at start-up, and through
  // ConfigReader on SIGHUP once confined), as *_maps tables are.
  bool names_file = false;
};

// Every parameter mxd knows, in one table.
absl::Span<const ParameterSpec> AllParameters();

// nullptr when `name` is not a parameter.
const ParameterSpec* FindParameter(absl::string_view name);

// docs/parameters.md: every parameter with its type, default, users and
// meaning (generated, so the document cannot drift from the code).
std::string ParametersMarkdown();

}  // namespace mxd
