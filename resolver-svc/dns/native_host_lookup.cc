#include "resolver-svc/dns/native_host_lookup.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <algorithm>

namespace mxd {

NativeHostLookup::NativeHostLookup(EventLoop* loop, int threads) : loop_(loop) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
}

NativeHostLookup::~NativeHostLookup() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (std::thread& t : threads_) t.join();
}

void NativeHostLookup::Lookup(const std::string& host, int family, Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(Job{host, family, std::move(done)});
  }
  cv_.notify_one();
}

void NativeHostLookup::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    addrinfo hints{};
    hints.ai_family = job.family;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    int rc = getaddrinfo(job.host.c_str(), nullptr, &hints, &res);
    DnsAnswer answer;
    if (rc == 0) {
      char text[INET6_ADDRSTRLEN];
      for (addrinfo* r = res; r != nullptr; r = r->ai_next) {
        const void* addr =
            r->ai_family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(r->ai_addr)->sin_addr)
                : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(r->ai_addr)->sin6_addr);
        if (r->ai_family != job.family || !inet_ntop(r->ai_family, addr, text, sizeof(text))) continue;
        if (std::find(answer.addresses.begin(), answer.addresses.end(), text) == answer.addresses.end()) {
          answer.addresses.emplace_back(text);
        }
      }
      freeaddrinfo(res);
      answer.status = answer.addresses.empty() ? DnsStatus::kNoData : DnsStatus::kOk;
    } else if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY) {
      answer.status = DnsStatus::kNotFound;
      answer.detail = gai_strerror(rc);
    } else {
      answer.status = DnsStatus::kTempFail;
      answer.detail = gai_strerror(rc);
    }
    loop_->Post(
        [done = std::move(job.done), answer = std::move(answer)]() mutable { done(std::move(answer)); });
  }
}

}  // namespace mxd
