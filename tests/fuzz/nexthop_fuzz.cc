// The next-hop parser: anything parsed prints in canonical form, which parses
// back to the same next hop.
#include "common/nexthop/nexthop.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<mxd::NextHop> hop = mxd::ParseNextHop(text);
  if (!hop.ok()) return 0;
  absl::StatusOr<mxd::NextHop> again = mxd::ParseNextHop(hop->ToString());
  if (!again.ok() || again->ToString() != hop->ToString() || again->kind != hop->kind ||
      again->port != hop->port) {
    mxd::fuzz::Fail("canonical form does not parse back");
  }
  return 0;
}
