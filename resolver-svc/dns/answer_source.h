// Where RouteLookup gets its DNS and host answers from. Two sources share one
// lookup algorithm: the live one (cache, then DNS or getaddrinfo, on the event
// loop) and a cache-only one that lets a request whose answers are all cached
// be served at once on the gRPC thread, without a hop to the loop.
#pragma once

#include <string>

#include "absl/functional/any_invocable.h"
#include "resolver-svc/dns/dns_answer.h"
#include "resolver-svc/dns/dns_cache.h"
#include "resolver-svc/dns/native_host_lookup.h"

namespace mxd {

class AnswerSource {
 public:
  using Done = absl::AnyInvocable<void(const DnsAnswer&)>;
  virtual ~AnswerSource() = default;
  // DNS records of `qtype` for `name`, CNAMEs followed.
  virtual void Lookup(const std::string& name, int qtype, Done done) = 0;
  // Host addresses of `family` from the system's name service.
  virtual void LookupNative(const std::string& host, int family, Done done) = 0;
};

// Loop thread only.
class LiveAnswers final : public AnswerSource {
 public:
  LiveAnswers(DnsCache* cache, NativeHostLookup* native) : cache_(cache), native_(native) {}
  void Lookup(const std::string& name, int qtype, Done done) override {
    cache_->Lookup(name, qtype, std::move(done));
  }
  void LookupNative(const std::string& host, int family, Done done) override {
    native_->Lookup(host, family, [done = std::move(done)](DnsAnswer a) mutable { done(a); });
  }

 private:
  DnsCache* cache_;
  NativeHostLookup* native_;
};

// Any thread; answers synchronously. A miss is answered with a temporary
// failure and remembered: the caller then discards the result and asks the
// live source instead.
class CachedAnswers final : public AnswerSource {
 public:
  explicit CachedAnswers(const DnsCache* cache) : cache_(cache) {}
  void Lookup(const std::string& name, int qtype, Done done) override {
    DnsAnswer a;
    if (!cache_->LookupCached(name, qtype, &a)) missed_ = true;
    done(a);
  }
  void LookupNative(const std::string&, int, Done done) override {
    missed_ = true;  // getaddrinfo results are not cached
    done(DnsAnswer{});
  }
  bool missed() const { return missed_; }

 private:
  const DnsCache* cache_;
  bool missed_ = false;
};

}  // namespace mxd
