// Host look-ups through the system's name service (getaddrinfo: /etc/hosts,
// nsswitch), used when disable_dns_lookups = yes. getaddrinfo blocks, so a
// small fixed pool of threads runs it and posts results to the event loop.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "common/net/event_loop.h"
#include "resolver-svc/dns/dns_answer.h"

namespace mxd {

class NativeHostLookup {
 public:
  // `done` gets kOk with addresses, kNotFound, or kTempFail; `ttl` is 0.
  using Done = absl::AnyInvocable<void(DnsAnswer)>;

  NativeHostLookup(EventLoop* loop, int threads);
  ~NativeHostLookup();

  // Any thread. `family` is AF_INET or AF_INET6; `done` runs on the loop.
  void Lookup(const std::string& host, int family, Done done);

 private:
  struct Job {
    std::string host;
    int family;
    Done done;
  };
  void Work();

  EventLoop* loop_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mxd
