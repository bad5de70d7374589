// DNS answer handling on top of c-ares' parsers: arbitrary replies for MX,
// A and AAAA queries.
#include <ares.h>
#include <arpa/nameser.h>

#include "resolver-svc/dns/dns_answer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const int kTypes[] = {ns_t_mx, ns_t_a, ns_t_aaaa};
  const int qtype = kTypes[data[0] % 3];
  mxd::DnsAnswer a =
      mxd::ParseDnsAnswer(qtype, "example.com", ARES_SUCCESS, data + 1, static_cast<int>(size - 1));
  if (a.status == mxd::DnsStatus::kOk && a.mx.empty() && a.addresses.empty() && a.cname_target.empty()) {
    mxd::fuzz::Fail("ok without records");
  }
  for (const auto& mx : a.mx) {
    for (unsigned char c : mx.host) {
      if (c < 33 || c > 126) mxd::fuzz::Fail("unprintable MX host");
    }
  }
  return 0;
}
