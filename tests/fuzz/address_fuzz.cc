// The envelope checks: whatever the address validator accepts has no control
// characters, fits the limits, and (without SMTPUTF8) is ASCII; whatever the
// ORCPT check accepts has no control characters and no space in its address
// type (the address part is xtext-encoded when sent; the type is not).
#include "delivery-svc/smtp/envelope_check.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

void CheckOrcptInvariants(absl::string_view orcpt) {
  if (!mxd::CheckOrcpt(orcpt).ok()) return;
  for (unsigned char c : orcpt) {
    if (c < 32 || c == 127) mxd::fuzz::Fail("ORCPT: accepted a control character");
  }
  const size_t semi = orcpt.find(';');
  if (semi != absl::string_view::npos && orcpt.substr(0, semi).find(' ') != absl::string_view::npos) {
    mxd::fuzz::Fail("ORCPT: accepted a space in the address type");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const bool utf8 = data[0] & 1;
  absl::string_view address(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] & 2) {
    CheckOrcptInvariants(address);
    return 0;
  }
  if (!mxd::CheckAddress(address, true, utf8).ok()) return 0;
  if (address.size() > 254) mxd::fuzz::Fail("accepted an over-long address");
  for (unsigned char c : address) {
    if (c < 32 || c == 127) mxd::fuzz::Fail("accepted a control character");
    if (c > 127 && !utf8) mxd::fuzz::Fail("accepted 8-bit without SMTPUTF8");
  }
  if (utf8 && !mxd::IsValidUtf8(address)) mxd::fuzz::Fail("accepted invalid UTF-8");
  return 0;
}
