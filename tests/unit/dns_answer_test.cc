// ParseDnsAnswer on DNS messages built byte by byte, as a server would send.
#include "resolver-svc/dns/dns_answer.h"

#include <ares.h>
#include <arpa/nameser.h>

#include <string>

#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace mxd {
namespace {

class Message {
 public:
  Message(const std::string& qname, int qtype, int rcode, int an, int ns) {
    Put16(0x1234);
    Put16(0x8180 | rcode);  // response, RD, RA
    Put16(1);
    Put16(an);
    Put16(ns);
    Put16(0);
    Name(qname);
    Put16(qtype);
    Put16(ns_c_in);
  }
  Message& Rr(const std::string& name, int type, uint32_t ttl, const std::string& rdata) {
    Name(name);
    Put16(type);
    Put16(ns_c_in);
    Put32(ttl);
    Put16(static_cast<int>(rdata.size()));
    bytes_ += rdata;
    return *this;
  }
  static std::string EncodeName(const std::string& name) {
    std::string out;
    if (name != ".") {
      for (absl::string_view label : absl::StrSplit(name, '.')) {
        out.push_back(static_cast<char>(label.size()));
        out.append(label.data(), label.size());
      }
    }
    out.push_back('\0');
    return out;
  }
  static std::string Mx(int pref, const std::string& host) {
    return std::string{static_cast<char>(pref >> 8), static_cast<char>(pref & 0xff)} + EncodeName(host);
  }
  static std::string Soa(uint32_t minimum) {
    std::string s = EncodeName("ns.example") + EncodeName("root.example");
    for (uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) {
      for (int shift : {24, 16, 8, 0}) s.push_back(static_cast<char>((v >> shift) & 0xff));
    }
    return s;
  }
  const unsigned char* data() const { return reinterpret_cast<const unsigned char*>(bytes_.data()); }
  int size() const { return static_cast<int>(bytes_.size()); }

 private:
  void Name(const std::string& n) { bytes_ += EncodeName(n); }
  void Put16(int v) {
    bytes_.push_back(static_cast<char>((v >> 8) & 0xff));
    bytes_.push_back(static_cast<char>(v & 0xff));
  }
  void Put32(uint32_t v) {
    Put16(static_cast<int>(v >> 16));
    Put16(static_cast<int>(v & 0xffff));
  }
  std::string bytes_;
};

TEST(DnsAnswer, MxRecordsWithSmallestTtl) {
  Message m("example.com", ns_t_mx, 0, 2, 0);
  m.Rr("example.com", ns_t_mx, 300, Message::Mx(10, "MX1.Example.com"))
      .Rr("example.com", ns_t_mx, 120, Message::Mx(20, "mx2.example.com"));
  DnsAnswer a = ParseDnsAnswer(ns_t_mx, "example.com", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  ASSERT_EQ(a.mx.size(), 2u);
  EXPECT_EQ(a.mx[0].host, "mx1.example.com");  // lower-cased
  EXPECT_EQ(a.mx[0].preference, 10);
  EXPECT_EQ(a.ttl, 120u);
}

TEST(DnsAnswer, NullMxHasEmptyHost) {
  Message m("example.com", ns_t_mx, 0, 1, 0);
  m.Rr("example.com", ns_t_mx, 300, Message::Mx(0, "."));
  DnsAnswer a = ParseDnsAnswer(ns_t_mx, "example.com", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  ASSERT_EQ(a.mx.size(), 1u);
  EXPECT_EQ(a.mx[0].host, "");
}

TEST(DnsAnswer, AddressesThroughACnameChain) {
  Message m("www.example.com", ns_t_a, 0, 3, 0);
  m.Rr("www.example.com", ns_t_cname, 50, Message::EncodeName("host.example.com"))
      .Rr("host.example.com", ns_t_a, 300, std::string("\xc0\x00\x02\x01", 4))
      .Rr("host.example.com", ns_t_a, 300, std::string("\xc0\x00\x02\x02", 4));
  DnsAnswer a = ParseDnsAnswer(ns_t_a, "www.example.com", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  EXPECT_EQ(a.addresses, (std::vector<std::string>{"192.0.2.1", "192.0.2.2"}));
  EXPECT_EQ(a.ttl, 50u);  // the CNAME's TTL bounds the answer
  EXPECT_EQ(a.cname_target, "");
}

// 2000 addresses (a hostile zone, over TCP): 20 kept, duplicates not
// counted, the rest counted as cut.
TEST(DnsAnswer, AddressesAreCappedAndDeduplicated) {
  Message m("big.example.com", ns_t_a, 0, 2001, 0);
  m.Rr("big.example.com", ns_t_a, 300, std::string("\xc6\x12\x00\x01", 4));  // a duplicate of the first
  for (int i = 0; i < 2000; ++i) {
    const char addr[4] = {static_cast<char>(198), 18, static_cast<char>(i / 250),
                          static_cast<char>(i % 250 + 1)};
    m.Rr("big.example.com", ns_t_a, 300, std::string(addr, 4));
  }
  DnsAnswer a = ParseDnsAnswer(ns_t_a, "big.example.com", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  ASSERT_EQ(a.addresses.size(), DnsAnswer::kMaxAddresses);
  EXPECT_EQ(a.addresses[0], "198.18.0.1");
  EXPECT_EQ(a.addresses[1], "198.18.0.2");
  EXPECT_EQ(a.addresses_cut, 2000 - DnsAnswer::kMaxAddresses);
}

TEST(DnsAnswer, Ipv6Addresses) {
  Message m("h.example", ns_t_aaaa, 0, 1, 0);
  std::string v6(16, '\0');
  v6[0] = 0x20, v6[1] = 0x01, v6[2] = 0x0d, v6[3] = static_cast<char>(0xb8), v6[15] = 1;
  m.Rr("h.example", ns_t_aaaa, 60, v6);
  DnsAnswer a = ParseDnsAnswer(ns_t_aaaa, "h.example", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  EXPECT_EQ(a.addresses, std::vector<std::string>{"2001:db8::1"});
}

TEST(DnsAnswer, UnfinishedCnameChainNamesTheTarget) {
  Message m("alias.example.com", ns_t_mx, 0, 2, 0);
  m.Rr("alias.example.com", ns_t_cname, 100, Message::EncodeName("mid.example.com"))
      .Rr("mid.example.com", ns_t_cname, 80, Message::EncodeName("Target.Other.Example"));
  DnsAnswer a = ParseDnsAnswer(ns_t_mx, "alias.example.com", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  EXPECT_TRUE(a.mx.empty());
  EXPECT_EQ(a.cname_target, "target.other.example");
  EXPECT_EQ(a.ttl, 80u);
}

// Found by tests/fuzz/dns_answer_fuzz: MX hosts that are not host names
// are skipped, as Postfix does; with none left the answer is a failure.
TEST(DnsAnswer, MalformedMxHostsAreSkipped) {
  Message m("example.com", ns_t_mx, 0, 2, 0);
  m.Rr("example.com", ns_t_mx, 300, Message::Mx(10, "m 1.example.com"))
      .Rr("example.com", ns_t_mx, 300, Message::Mx(20, "mx2.example.com"));
  DnsAnswer a = ParseDnsAnswer(ns_t_mx, "example.com", ARES_SUCCESS, m.data(), m.size());
  ASSERT_EQ(a.status, DnsStatus::kOk);
  ASSERT_EQ(a.mx.size(), 1u);
  EXPECT_EQ(a.mx[0].host, "mx2.example.com");
  Message bad("example.com", ns_t_mx, 0, 1, 0);
  bad.Rr("example.com", ns_t_mx, 300, Message::Mx(10, "m 1"));
  a = ParseDnsAnswer(ns_t_mx, "example.com", ARES_SUCCESS, bad.data(), bad.size());
  EXPECT_EQ(a.status, DnsStatus::kTempFail);
  EXPECT_EQ(a.detail, "malformed host name in MX record: \"m 1\"");
}

// Found by tests/fuzz/dns_answer_fuzz: "CNAME ." was an answer with
// neither records nor a chain to follow.
TEST(DnsAnswer, CnameToTheRootIsNoData) {
  Message m("example.com", ns_t_a, 0, 1, 0);
  m.Rr("example.com", ns_t_cname, 0, Message::EncodeName("."));
  DnsAnswer a = ParseDnsAnswer(ns_t_a, "example.com", ARES_SUCCESS, m.data(), m.size());
  EXPECT_EQ(a.status, DnsStatus::kNoData);
  EXPECT_TRUE(a.cname_target.empty());
}

TEST(DnsAnswer, NegativeAnswersUseTheSoaMinimum) {
  Message nx("nx.example.com", ns_t_mx, 3, 0, 1);
  nx.Rr("example.com", ns_t_soa, 3600, Message::Soa(90));
  DnsAnswer a = ParseDnsAnswer(ns_t_mx, "nx.example.com", ARES_ENOTFOUND, nx.data(), nx.size());
  EXPECT_EQ(a.status, DnsStatus::kNotFound);
  EXPECT_EQ(a.ttl, 90u);

  Message nodata("example.com", ns_t_mx, 0, 0, 1);
  nodata.Rr("example.com", ns_t_soa, 30, Message::Soa(600));
  DnsAnswer b = ParseDnsAnswer(ns_t_mx, "example.com", ARES_ENODATA, nodata.data(), nodata.size());
  EXPECT_EQ(b.status, DnsStatus::kNoData);
  EXPECT_EQ(b.ttl, 30u);  // min(SOA TTL, SOA minimum)
}

TEST(DnsAnswer, ServerFailuresAreTemporary) {
  for (int st : {ARES_ESERVFAIL, ARES_ETIMEOUT, ARES_EREFUSED, ARES_ECONNREFUSED, ARES_EBADRESP}) {
    DnsAnswer a = ParseDnsAnswer(ns_t_mx, "example.com", st, nullptr, 0);
    EXPECT_EQ(a.status, DnsStatus::kTempFail) << st;
    EXPECT_FALSE(a.detail.empty());
  }
}

TEST(DnsAnswer, TruncatedOrCorruptMessagesAreTemporaryFailures) {
  Message m("example.com", ns_t_mx, 0, 1, 0);
  m.Rr("example.com", ns_t_mx, 300, Message::Mx(10, "mx.example.com"));
  for (int cut = 0; cut < m.size(); ++cut) {
    DnsAnswer a = ParseDnsAnswer(ns_t_mx, "example.com", ARES_SUCCESS, m.data(), cut);
    EXPECT_EQ(a.status, DnsStatus::kTempFail) << "cut at " << cut;
  }
  Message bad("h.example", ns_t_a, 0, 1, 0);
  bad.Rr("h.example", ns_t_a, 60, "\x01\x02\x03");  // 3-byte A record
  EXPECT_EQ(ParseDnsAnswer(ns_t_a, "h.example", ARES_SUCCESS, bad.data(), bad.size()).status,
            DnsStatus::kTempFail);
}

}  // namespace
}  // namespace mxd
