// The DATA encoder: whatever the content and however it is split, the wire
// form has only CRLF line breaks, every line within the limit, and no line
// that is a lone "." (the content can never end DATA early).
#include "delivery-svc/smtp/data_encoder.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mxd::fuzz::Input in(data, size);
  const size_t limit = in.Byte() % 100 + 2;
  mxd::DataEncoder enc(limit);
  std::string out;
  while (!in.empty()) enc.Encode(in.Take(in.Byte() % 50 + 1), &out);
  enc.Finish(&out);
  size_t start = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '\r' && (i + 1 >= out.size() || out[i + 1] != '\n')) mxd::fuzz::Fail("bare CR");
    if (out[i] == '\n') {
      if (i == 0 || out[i - 1] != '\r') mxd::fuzz::Fail("bare LF");
      const absl::string_view line(out.data() + start, i - 1 - start);
      if (line == ".") mxd::fuzz::Fail("a lone dot");
      if (line.size() > limit + 1) mxd::fuzz::Fail("line over the limit");
      start = i + 1;
    }
  }
  if (start != out.size()) mxd::fuzz::Fail("no final CRLF");
  return 0;
}
