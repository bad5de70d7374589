// Asynchronous DNS queries with c-ares, driven by an EventLoop: c-ares' sockets
// are watched by the loop and its retransmission timer is a loop timer, so
// any number of queries are in flight on one thread.
#pragma once

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/net/event_loop.h"
#include "resolver-svc/dns/dns_answer.h"

struct ares_channeldata;

namespace mxd {

class DnsClient {
 public:
  struct Options {
    // "host:port,host:port" ("[::1]:53" for IPv6); empty: /etc/resolv.conf.
    std::string servers;
    absl::Duration timeout = absl::Seconds(5);
    int attempts = 2;
  };
  using Done = absl::AnyInvocable<void(DnsAnswer)>;

  // Call on the loop thread (or before the loop runs).
  static absl::StatusOr<std::unique_ptr<DnsClient>> Create(EventLoop* loop, const Options& options);
  ~DnsClient();

  // Loop thread only. `done` runs on the loop thread, possibly before Query
  // returns. Truncated UDP answers are retried over TCP by c-ares.
  void Query(const std::string& name, int qtype, Done done);

 private:
  explicit DnsClient(EventLoop* loop) : loop_(loop) {}
  static void OnSocketState(void* self, int fd, int readable, int writable);
  static void OnAnswer(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void Process(int read_fd, int write_fd);
  void RearmTimer();

  EventLoop* loop_;
  ares_channeldata* channel_ = nullptr;
  EventLoop::TimerId timer_ = 0;
};

}  // namespace mxd
