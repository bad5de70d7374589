// The envelope address validator: whatever it accepts has no control
// characters, fits the limits, and (without SMTPUTF8) is ASCII.
#include "delivery-svc/envelope_check.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool utf8 = data[0] & 1;
  absl::string_view address(reinterpret_cast<const char*>(data + 1), size - 1);
  if (!mxd::CheckAddress(address, true, utf8).ok()) return 0;
  if (address.size() > 254) mxd::fuzz::Fail("accepted an over-long address");
  for (unsigned char c : address) {
    if (c < 32 || c == 127) mxd::fuzz::Fail("accepted a control character");
    if (c > 127 && !utf8) mxd::fuzz::Fail("accepted 8-bit without SMTPUTF8");
  }
  if (utf8 && !mxd::IsValidUtf8(address)) mxd::fuzz::Fail("accepted invalid UTF-8");
  return 0;
}
