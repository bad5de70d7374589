// Cached DNS look-ups shared by every request: answers are kept for their
// TTL (negative answers for the SOA's negative TTL), identical look-ups in
// flight at the same time are merged into one query, and CNAME chains that an
// answer leaves unfinished are followed. Lookup() runs on the loop thread;
// LookupCached() may be called from any thread.
#pragma once

#include <cstdint>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"
#include "common/net/event_loop.h"
#include "resolver-svc/dns/dns_answer.h"
#include "resolver-svc/dns/dns_client.h"

namespace mxd {

class DnsCache {
 public:
  struct Options {
    size_t size_limit = 100000;    // entries; 0 disables caching
    size_t byte_limit = 64 << 20;  // the entries' memory, roughly (names, addresses, overhead)
    absl::Duration max_ttl = absl::Hours(24);
    absl::Duration negative_max_ttl = absl::Hours(1);
  };
  // The answer for the end of any CNAME chain; `answer.ttl` is the smallest
  // TTL along the chain.
  using Done = absl::AnyInvocable<void(const DnsAnswer&)>;

  static constexpr int kMaxCnameChain = 8;

  DnsCache(EventLoop* loop, DnsClient* client, const Options& options)
      : loop_(loop), client_(client), options_(options) {}

  // Loop thread only.
  void Lookup(const std::string& name, int qtype, Done done);
  // Any thread: the cached answer at the end of the CNAME chain, if every
  // link is cached and fresh.
  bool LookupCached(const std::string& name, int qtype, DnsAnswer* out) const;

  struct Stats {
    uint64_t hits = 0, misses = 0, merged = 0, queries = 0;
    size_t entries = 0;
    size_t bytes = 0;
  };
  Stats stats() const;

 private:
  struct Entry {
    DnsAnswer answer;
    absl::Time expires;
    size_t bytes = 0;  // counted against byte_limit
  };
  // Makes room for `bytes` more (mu_ held exclusively): expired entries
  // first, then an arbitrary tenth at a time.
  void MakeRoom(size_t bytes);
  void LookupChain(const std::string& name, int qtype, int depth, uint32_t ttl, Done done);
  void LookupOne(const std::string& name, int qtype, Done done);
  void Store(const std::string& key, const DnsAnswer& answer);
  // A fresh entry's answer with its remaining lifetime as the TTL.
  // Called with mu_ held (shared is enough).
  bool FindFresh(const std::string& key, absl::Time now, DnsAnswer* out) const;

  EventLoop* loop_;
  DnsClient* client_;
  Options options_;
  // std::shared_mutex rather than absl::Mutex: Debian's Abseil is not built
  // for ThreadSanitizer, which then cannot see absl::Mutex ordering.
  mutable std::shared_mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_;                // guarded by mu_
  size_t bytes_ = 0;                                               // guarded by mu_
  absl::flat_hash_map<std::string, std::vector<Done>> in_flight_;  // loop thread
  Stats stats_;  // loop thread (hits on other threads are not counted)
};

}  // namespace mxd
