#include "resolver-svc/dns/dns_answer.h"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/nexthop/domain_name.h"

namespace mxd {
namespace {

// c-ares 1.18 parses MX and A/AAAA record data for us, but exposes neither
// MX TTLs, nor the CNAME chain, nor the SOA of a negative answer. This walker
// reads just the RR headers for those (names via ares_expand_name).
struct RrHeader {
  std::string name;
  uint16_t type = 0;
  uint32_t ttl = 0;
  int rdata = 0;  // offset into the message
  uint16_t rdlen = 0;
  bool answer = false;  // answer section (else authority/additional)
};

uint16_t Get16(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t Get32(const unsigned char* p) {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

bool ExpandName(const unsigned char* at, const unsigned char* abuf, int alen, std::string* name, long* len) {
  char* out = nullptr;
  if (ares_expand_name(at, abuf, alen, &out, len) != ARES_SUCCESS) return false;
  *name = CanonicalDomainName(out);
  ares_free_string(out);
  return true;
}

bool WalkRecords(const unsigned char* abuf, int alen, std::vector<RrHeader>* out) {
  if (abuf == nullptr || alen < HFIXEDSZ) return false;
  const int qd = Get16(abuf + 4), an = Get16(abuf + 6), ns = Get16(abuf + 8);
  const unsigned char* p = abuf + HFIXEDSZ;
  const unsigned char* end = abuf + alen;
  std::string name;
  long len = 0;
  for (int i = 0; i < qd; ++i) {
    if (!ExpandName(p, abuf, alen, &name, &len)) return false;
    p += len + QFIXEDSZ;
    if (p > end) return false;
  }
  for (int i = 0; i < an + ns; ++i) {
    RrHeader rr;
    if (!ExpandName(p, abuf, alen, &rr.name, &len)) return false;
    p += len;
    if (end - p < RRFIXEDSZ) return false;
    rr.type = Get16(p);
    rr.ttl = Get32(p + 4) & 0x7fffffff;  // RFC 2181: the top bit is zero
    rr.rdlen = Get16(p + 8);
    p += RRFIXEDSZ;
    if (end - p < rr.rdlen) return false;
    rr.rdata = static_cast<int>(p - abuf);
    rr.answer = i < an;
    p += rr.rdlen;
    out->push_back(std::move(rr));
  }
  return true;
}

// RFC 2308: negative answers live for min(SOA TTL, SOA MINIMUM).
uint32_t NegativeTtl(const std::vector<RrHeader>& rrs, const unsigned char* abuf, int alen) {
  for (const RrHeader& rr : rrs) {
    if (rr.answer || rr.type != ns_t_soa) continue;
    const unsigned char* p = abuf + rr.rdata;
    const unsigned char* end = p + rr.rdlen;
    std::string skip;
    long len = 0;
    for (int i = 0; i < 2; ++i) {  // MNAME, RNAME
      if (!ExpandName(p, abuf, alen, &skip, &len)) return 0;
      p += len;
    }
    if (end - p < 20) return 0;
    return std::min(rr.ttl, Get32(p + 16));
  }
  return 0;  // no SOA: do not cache
}

}  // namespace

absl::string_view DnsTypeName(int qtype) {
  switch (qtype) {
    case ns_t_mx: return "MX";
    case ns_t_a: return "A";
    case ns_t_aaaa: return "AAAA";
    default: return "?";
  }
}

DnsAnswer ParseDnsAnswer(int qtype, absl::string_view qname, int ares_status, const unsigned char* abuf,
                         int alen) {
  DnsAnswer a;
  std::vector<RrHeader> rrs;
  const bool walked = WalkRecords(abuf, alen, &rrs);
  switch (ares_status) {
    case ARES_SUCCESS: break;
    case ARES_ENODATA:
      a.status = DnsStatus::kNoData;
      a.ttl = walked ? NegativeTtl(rrs, abuf, alen) : 0;
      return a;
    case ARES_ENOTFOUND:
      a.status = DnsStatus::kNotFound;
      a.ttl = walked ? NegativeTtl(rrs, abuf, alen) : 0;
      return a;
    default:
      a.status = DnsStatus::kTempFail;
      a.detail = ares_strerror(ares_status);
      return a;
  }
  if (!walked) {
    a.status = DnsStatus::kTempFail;
    a.detail = "malformed DNS reply";
    return a;
  }

  uint32_t ttl = std::numeric_limits<uint32_t>::max();
  bool any_answer = false;
  for (const RrHeader& rr : rrs) {
    if (rr.answer && (rr.type == qtype || rr.type == ns_t_cname)) {
      ttl = std::min(ttl, rr.ttl);
      any_answer = true;
    }
  }
  a.ttl = any_answer ? ttl : 0;

  if (qtype == ns_t_mx) {
    ares_mx_reply* mx = nullptr;
    int st = ares_parse_mx_reply(abuf, alen, &mx);
    if (st == ARES_SUCCESS) {
      // As Postfix's smtp_addr.c: an MX host that is not a valid host name
      // is skipped ("m 1" was found by tests/fuzz/dns_answer_fuzz); the null
      // MX target "." stays.
      size_t malformed = 0;
      for (ares_mx_reply* m = mx; m != nullptr; m = m->next) {
        const absl::string_view host = m->host;
        if (!host.empty() && host != "." && !ValidateDomainName(host).ok()) {
          if (++malformed == 1)
            a.detail = absl::StrCat("malformed host name in MX record: \"", absl::CHexEscape(host), "\"");
          continue;
        }
        a.mx.push_back({m->priority, CanonicalDomainName(m->host)});
      }
      ares_free_data(mx);
      if (a.mx.empty() && malformed > 0) {
        a.status = DnsStatus::kTempFail;
        return a;
      }
    } else if (st != ARES_ENODATA) {
      a.status = DnsStatus::kTempFail;
      a.detail = std::string("malformed MX reply: ") + ares_strerror(st);
      return a;
    }
  } else if (qtype == ns_t_a || qtype == ns_t_aaaa) {
    // Address records may belong to the end of a CNAME chain, so take every
    // A/AAAA in the answer section, as ares_parse_a_reply does.
    const size_t want = qtype == ns_t_a ? 4 : 16;
    const int family = qtype == ns_t_a ? AF_INET : AF_INET6;
    char text[INET6_ADDRSTRLEN];
    absl::flat_hash_set<std::string> seen;
    for (const RrHeader& rr : rrs) {
      if (!rr.answer || rr.type != qtype) continue;
      if (rr.rdlen != want || inet_ntop(family, abuf + rr.rdata, text, sizeof(text)) == nullptr) {
        a.status = DnsStatus::kTempFail;
        a.detail = "malformed address record";
        return a;
      }
      if (!seen.insert(text).second) continue;
      if (a.addresses.size() < DnsAnswer::kMaxAddresses) {
        a.addresses.emplace_back(text);
      } else {
        ++a.addresses_cut;
      }
    }
  }

  if (!a.mx.empty() || !a.addresses.empty()) {
    a.status = DnsStatus::kOk;
    return a;
  }
  // No records of the type: follow the CNAME chain from qname as far as the
  // answer goes; if it leads somewhere, the caller looks that name up.
  std::string at = CanonicalDomainName(qname);
  for (size_t hops = 0; hops < rrs.size(); ++hops) {
    auto it = std::find_if(rrs.begin(), rrs.end(), [&](const RrHeader& rr) {
      return rr.answer && rr.type == ns_t_cname && rr.name == at;
    });
    if (it == rrs.end()) break;
    std::string target;
    long len = 0;
    if (!ExpandName(abuf + it->rdata, abuf, alen, &target, &len)) break;
    at = target;
  }
  // A chain that ends at the root ("CNAME .") leads nowhere: no data (found
  // by tests/fuzz/dns_answer_fuzz).
  if (at != CanonicalDomainName(qname) && !at.empty()) {
    a.status = DnsStatus::kOk;
    a.cname_target = at;
    return a;
  }
  a.status = DnsStatus::kNoData;
  a.ttl = NegativeTtl(rrs, abuf, alen);
  return a;
}

}  // namespace mxd
