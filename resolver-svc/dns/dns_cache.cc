#include "resolver-svc/dns/dns_cache.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

std::string Key(const std::string& name, int qtype) { return absl::StrCat(qtype, " ", name); }

// What an entry holds in memory, roughly: its strings and the fixed parts.
size_t EntryBytes(const std::string& key, const DnsAnswer& a) {
  constexpr size_t kOverhead = 64;  // hash slot, vectors, time
  size_t n = kOverhead + key.size() + sizeof(DnsAnswer) + a.cname_target.size() + a.detail.size();
  for (const MxRecord& m : a.mx) n += sizeof(MxRecord) + m.host.size();
  for (const std::string& s : a.addresses) n += sizeof(std::string) + s.size();
  return n;
}

}  // namespace

void DnsCache::Lookup(const std::string& name, int qtype, Done done) {
  LookupChain(name, qtype, 0, UINT32_MAX, std::move(done));
}

void DnsCache::LookupChain(const std::string& name, int qtype, int depth, uint32_t ttl, Done done) {
  LookupOne(name, qtype, [this, qtype, depth, ttl, done = std::move(done)](const DnsAnswer& answer) mutable {
    const uint32_t chain_ttl = std::min(ttl, answer.ttl);
    if (answer.cname_target.empty()) {
      if (chain_ttl == answer.ttl) return done(answer);
      DnsAnswer copy = answer;
      copy.ttl = chain_ttl;
      return done(copy);
    }
    if (depth + 1 >= kMaxCnameChain) {
      DnsAnswer loop;
      loop.status = DnsStatus::kNotFound;
      loop.detail = absl::StrCat("CNAME chain longer than ", kMaxCnameChain, " (a loop?)");
      return done(loop);
    }
    LookupChain(answer.cname_target, qtype, depth + 1, chain_ttl, std::move(done));
  });
}

bool DnsCache::FindFresh(const std::string& key, absl::Time now, DnsAnswer* out) const {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.expires <= now) return false;
  *out = it->second.answer;
  // Hand out the remaining lifetime, not the original TTL.
  out->ttl = static_cast<uint32_t>(std::max<int64_t>(0, absl::ToInt64Seconds(it->second.expires - now)));
  return true;
}

bool DnsCache::LookupCached(const std::string& name, int qtype, DnsAnswer* out) const {
  const absl::Time now = absl::Now();
  std::string at = name;
  uint32_t ttl = UINT32_MAX;
  std::shared_lock lock(mu_);
  for (int depth = 0; depth < kMaxCnameChain; ++depth) {
    if (!FindFresh(Key(at, qtype), now, out)) return false;
    ttl = std::min(ttl, out->ttl);
    if (out->cname_target.empty()) {
      out->ttl = ttl;
      return true;
    }
    at = out->cname_target;
  }
  return false;  // too long: let the live path produce the error
}

void DnsCache::LookupOne(const std::string& name, int qtype, Done done) {
  const std::string key = Key(name, qtype);
  {
    DnsAnswer answer;
    bool hit;
    {
      std::shared_lock lock(mu_);
      hit = FindFresh(key, loop_->Now(), &answer);
    }
    if (hit) {
      ++stats_.hits;
      return done(answer);
    }
  }
  ++stats_.misses;
  auto [waiting, first] = in_flight_.try_emplace(key);
  waiting->second.push_back(std::move(done));
  if (!first) {
    ++stats_.merged;
    return;
  }
  ++stats_.queries;
  client_->Query(name, qtype, [this, key](DnsAnswer answer) {
    Store(key, answer);
    auto node = in_flight_.extract(key);
    if (node.empty()) return;
    for (Done& d : node.mapped()) d(answer);
  });
}

void DnsCache::Store(const std::string& key, const DnsAnswer& answer) {
  if (options_.size_limit == 0 || answer.status == DnsStatus::kTempFail || answer.ttl == 0) return;
  const absl::Duration cap = answer.status == DnsStatus::kOk ? options_.max_ttl : options_.negative_max_ttl;
  const absl::Duration life = std::min(absl::Seconds(answer.ttl), cap);
  if (life <= absl::ZeroDuration()) return;
  const size_t bytes = EntryBytes(key, answer);
  if (bytes > options_.byte_limit) return;
  std::unique_lock lock(mu_);
  if (auto old = entries_.find(key); old != entries_.end()) {
    bytes_ -= old->second.bytes;
    entries_.erase(old);
  }
  MakeRoom(bytes);
  entries_[key] = Entry{answer, loop_->Now() + life, bytes};
  bytes_ += bytes;
}

void DnsCache::MakeRoom(size_t bytes) {
  auto full = [&] { return entries_.size() >= options_.size_limit || bytes_ + bytes > options_.byte_limit; };
  if (!full()) return;
  // Drop what has expired; if that is not enough, drop an arbitrary tenth
  // (hash order) at a time, which is cheaper than keeping an LRU list.
  const absl::Time now = loop_->Now();
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.expires <= now) {
      bytes_ -= it->second.bytes;
      entries_.erase(it++);
    } else {
      ++it;
    }
  }
  while (full() && !entries_.empty()) {
    size_t drop = entries_.size() / 10 + 1;
    for (auto it = entries_.begin(); drop > 0 && it != entries_.end(); --drop) {
      bytes_ -= it->second.bytes;
      entries_.erase(it++);
    }
  }
}

DnsCache::Stats DnsCache::stats() const {
  Stats s = stats_;
  std::shared_lock lock(mu_);
  s.entries = entries_.size();
  s.bytes = bytes_;
  return s;
}

}  // namespace mxd
