// The configuration parsers: main.cf text, -o overrides, Postfix lookup
// tables and the TLS policy entries read from them.
#include "common/config/lookup_table.h"
#include "common/config/main_cf_parser.h"
#include "delivery-svc/tls/tls_policy.h"
#include "delivery-svc/tls/tls_protocols.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view text(reinterpret_cast<const char*>(data), size);
  (void)mxd::ParseMainCf(text, "fuzz");
  (void)mxd::ParseOverride(text);
  (void)mxd::ParseTlsProtocols(text);
  absl::StatusOr<mxd::LookupTable> table = mxd::LookupTable::Parse(text, "fuzz");
  if (table.ok()) {
    absl::StatusOr<mxd::TlsPolicyTable> policies =
        mxd::TlsPolicyTable::Create(mxd::TlsLevel::kMay, {"hostname"}, {"nexthop"}, *table);
    if (policies.ok()) {
      for (const std::string& key : table->Keys()) (void)policies->For(key);
    }
  }
  return 0;
}
