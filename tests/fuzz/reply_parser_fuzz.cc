// The SMTP reply parser (OpenSMTPD's CVE-2020-8794 class: hostile multi-line
// replies) and the EHLO keyword parser on top of it. Input: split sizes and
// server bytes interleaved.
#include "delivery-svc/smtp/ehlo_features.h"
#include "delivery-svc/smtp/smtp_reply.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mxd::fuzz::Input in(data, size);
  mxd::ReplyParser parser;
  while (!in.empty()) {
    parser.Feed(in.Take(in.Byte() % 64 + 1));
    while (std::optional<mxd::SmtpReply> r = parser.Next()) {
      if (r->code < 200 || r->code > 599) mxd::fuzz::Fail("reply code out of range");
      if (r->lines.empty() || r->lines.size() > mxd::ReplyParser::kMaxReplyLines)
        mxd::fuzz::Fail("line count");
      for (const std::string& l : r->lines) {
        if (l.size() > mxd::ReplyParser::kMaxReplyLineLength) mxd::fuzz::Fail("line length");
      }
      mxd::EhloFeatures f = mxd::ParseEhloFeatures(*r);
      if (f.auth_mechanisms.size() > mxd::EhloFeatures::kMaxKeywords * 64) mxd::fuzz::Fail("auth list");
      (void)r->Quoted();
    }
    if (!parser.error().empty()) break;
  }
  return 0;
}
