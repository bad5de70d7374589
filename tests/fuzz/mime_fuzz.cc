// The MIME converter on arbitrary content: the scan and the conversion never
// crash, and the output does not depend on how the content is split.
#include "delivery-svc/mime/mime_converter.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

std::string Convert(absl::string_view content, const mxd::MimeLimits& limits, size_t piece) {
  mxd::MimeScanner scan(limits);
  for (size_t i = 0; i < content.size(); i += piece) scan.Feed(content.substr(i, piece));
  scan.Finish();
  mxd::MimeConverter conv(scan.plan(), limits);
  std::string out;
  for (size_t i = 0; i < content.size(); i += piece) conv.Feed(content.substr(i, piece), &out);
  conv.Finish(&out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mxd::fuzz::Input in(data, size);
  mxd::MimeLimits limits;
  limits.nesting_limit = in.Byte() % 8 + 1;
  limits.boundary_length_limit = in.Byte() % 80 + 1;
  const size_t piece = in.Byte() % 16 + 1;
  const absl::string_view content = in.Rest();
  const std::string whole = Convert(content, limits, content.size() + 1);
  if (Convert(content, limits, piece) != whole) mxd::fuzz::Fail("output depends on the split");
  return 0;
}
