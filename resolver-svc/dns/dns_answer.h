// One DNS answer, reduced to what route lookup needs, and its parsing from
// the raw reply c-ares hands us.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace mxd {

enum class DnsStatus {
  kOk,        // records (or a CNAME to follow) present
  kNoData,    // the name exists, no records of the type (NOERROR, empty)
  kNotFound,  // NXDOMAIN
  kTempFail,  // SERVFAIL, REFUSED, timeout, malformed reply, ...
};

struct MxRecord {
  uint16_t preference = 0;
  std::string host;  // lower-case, no trailing dot; "" for the root (null MX)
};

struct DnsAnswer {
  // A zone may hold thousands of addresses for one name; delivery tries a
  // handful (smtp_mx_address_limit). The rest are counted, not kept.
  static constexpr size_t kMaxAddresses = 20;

  DnsStatus status = DnsStatus::kTempFail;
  std::vector<MxRecord> mx;            // qtype MX
  std::vector<std::string> addresses;  // qtype A / AAAA, text form; at most kMaxAddresses
  size_t addresses_cut = 0;            // distinct addresses beyond kMaxAddresses
  // Set when the answer holds a CNAME chain that does not reach records of
  // the type (an authoritative server answering for another zone's target).
  std::string cname_target;
  // Seconds the answer may be cached: the smallest TTL in the answer, or the
  // negative TTL from the SOA (RFC 2308) for kNoData / kNotFound.
  uint32_t ttl = 0;
  // For logs: c-ares' description of a failure.
  std::string detail;
};

// `ares_status` and `abuf` are what c-ares passed to the query callback.
DnsAnswer ParseDnsAnswer(int qtype, absl::string_view qname, int ares_status, const unsigned char* abuf,
                         int alen);

// "MX", "A", "AAAA".
absl::string_view DnsTypeName(int qtype);

}  // namespace mxd
