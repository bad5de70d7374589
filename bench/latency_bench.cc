// latency_bench: how long a message waits in delivery-svc when a cached
// connection is idle: the time from a DeliverStream request leaving the
// queue manager to its MAIL FROM arriving at the SMTP server, at a paced
// rate. This program is both ends: the stream client, and a small SMTP
// server on 127.0.0.1 (a thread per connection) that notes when each
// MAIL FROM:<bench-N@...> arrives. Both read the same clock, so the figure
// includes the client library and the gRPC hop, an upper bound of the time
// inside delivery-svc.
//
//   latency_bench --delivery HOST:PORT [--rate 1000] [--seconds 10]
//                 [--warmup 200] [--size 1024] [--label TEXT] [--header]
//
// The warm-up messages go one at a time, so the connection cache holds an
// idle connection when the paced ones start; the table shows how many new
// connections the paced messages still needed.
#include <netinet/in.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/percentile.h"
#include "bench/test_message.h"
#include "cli/client/deliver_stream_client.h"
#include "common/cli/arguments.h"

namespace {

// The SMTP end: accepts every message, with PIPELINING, and timestamps the
// MAIL FROM of message N (sender bench-N@) when its bytes are read.
class TimingSink {
 public:
  explicit TimingSink(size_t messages) : arrivals_(messages) {}

  // The port it listens on (0: failed).
  int Start() {
    listener_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (listener_ < 0 || bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
        listen(listener_, 4096) != 0 || getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return 0;
    }
    std::thread([this] { AcceptLoop(); }).detach();
    return ntohs(a.sin_port);
  }

  int connections() const { return connections_.load(); }

  // When message N's MAIL FROM arrived (InfinitePast: it did not).
  absl::Time Arrival(size_t n) {
    std::lock_guard<std::mutex> lock(mu_);
    return arrivals_[n];
  }

 private:
  void AcceptLoop() {
    for (;;) {
      const int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      connections_.fetch_add(1);
      std::thread([this, fd] { Serve(fd); }).detach();
    }
  }

  static bool Send(int fd, const std::string& s) {
    return s.empty() || write(fd, s.data(), s.size()) == static_cast<ssize_t>(s.size());
  }

  void Serve(int fd) {
    std::string in, out;
    bool data = false;
    if (!Send(fd, "220 sink.bench ESMTP\r\n")) return (void)close(fd);
    char buf[65536];
    for (;;) {
      const ssize_t n = read(fd, buf, sizeof(buf));
      if (n <= 0) break;
      const absl::Time now = absl::Now();
      in.append(buf, static_cast<size_t>(n));
      size_t start = 0, eol;
      bool quit = false;
      while ((eol = in.find("\r\n", start)) != std::string::npos) {
        const std::string line = in.substr(start, eol - start);
        start = eol + 2;
        if (data) {
          if (line == ".") {
            data = false;
            out += "250 2.0.0 Ok: queued\r\n";
          }
          continue;
        }
        if (absl::StartsWithIgnoreCase(line, "EHLO")) {
          out += "250-sink.bench\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n";
        } else if (absl::StartsWithIgnoreCase(line, "MAIL FROM:<bench-")) {
          Note(line.substr(17), now);
          out += "250 2.1.0 Ok\r\n";
        } else if (absl::StartsWithIgnoreCase(line, "MAIL") || absl::StartsWithIgnoreCase(line, "RCPT") ||
                   absl::StartsWithIgnoreCase(line, "RSET") || absl::StartsWithIgnoreCase(line, "NOOP") ||
                   absl::StartsWithIgnoreCase(line, "HELO")) {
          out += "250 2.0.0 Ok\r\n";
        } else if (absl::StartsWithIgnoreCase(line, "DATA")) {
          data = true;
          out += "354 End data with <CR><LF>.<CR><LF>\r\n";
        } else if (absl::StartsWithIgnoreCase(line, "QUIT")) {
          out += "221 2.0.0 Bye\r\n";
          quit = true;
          break;
        } else {
          out += "502 5.5.2 Error: command not recognized\r\n";
        }
      }
      in.erase(0, start);
      if (!Send(fd, out) || quit) break;
      out.clear();
    }
    close(fd);
  }

  void Note(const std::string& rest, absl::Time now) {
    size_t n = 0;
    const size_t at = rest.find('@');
    if (at == std::string::npos || !absl::SimpleAtoi(rest.substr(0, at), &n)) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (n < arrivals_.size()) arrivals_[n] = now;
  }

  int listener_ = -1;
  std::atomic<int> connections_{0};
  std::mutex mu_;
  std::vector<absl::Time> arrivals_;
};

}  // namespace

int main(int argc, char** argv) {
  auto args = mxd::ParseArgs(
      std::vector<std::string>(argv + 1, argv + argc),
      {{"delivery"}, {"rate"}, {"seconds"}, {"warmup"}, {"size"}, {"label"}, {"header", false}});
  int rate = 1000, seconds = 10, warmup = 200;
  size_t size = 1024;
  if (!args.ok() || !args->Get("delivery") || !absl::SimpleAtoi(args->GetOr("rate", "1000"), &rate) ||
      !absl::SimpleAtoi(args->GetOr("seconds", "10"), &seconds) ||
      !absl::SimpleAtoi(args->GetOr("warmup", "200"), &warmup) ||
      !absl::SimpleAtoi(args->GetOr("size", "1024"), &size) || rate < 1 || seconds < 1 || warmup < 1) {
    std::fprintf(
        stderr,
        "usage: latency_bench --delivery HOST:PORT [--rate N] [--seconds N] [--warmup N] [--size BYTES] "
        "[--label TEXT] [--header]\n");
    return EX_USAGE;
  }
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);  // as resolver_bench
  const size_t paced = static_cast<size_t>(rate) * static_cast<size_t>(seconds);
  const size_t total = static_cast<size_t>(warmup) + paced;
  TimingSink sink(total);
  const int port = sink.Start();
  if (port == 0) {
    std::perror("latency_bench: listen");
    return EX_OSERR;
  }
  const std::string message = mxd::bench::MakeMessage(size, "latency_bench");
  mxd::client::DeliverEnvelope env;
  env.recipients = {{"sink@mxd.test", {}, ""}};
  env.nexthop = absl::StrCat("[127.0.0.1]:", port);
  env.routes = {{"127.0.0.1", 0, static_cast<uint32_t>(port), {"127.0.0.1"}, false}};
  env.body = mxd::client::DeliverEnvelope::Body::k7Bit;

  std::vector<absl::Time> sent(total);
  std::atomic<int> failed{0};
  std::mutex mu;
  std::condition_variable answered;
  size_t answers = 0;
  std::string first_error;
  mxd::client::DeliverStreamClient stream(*args->Get("delivery"), {}, 1000);
  auto send = [&](size_t i) {
    env.sender = absl::StrCat("bench-", i, "@mxd.test");
    sent[i] = absl::Now();
    stream.Send(env, message, absl::Minutes(1), [&](absl::StatusOr<mxd::client::DeliverResult> r) {
      const bool ok = r.ok() && r->outcomes.size() == 1 &&
                      r->outcomes[0].action == mxd::client::DeliverOutcome::Action::kDelivered;
      std::lock_guard<std::mutex> lock(mu);
      if (!ok && failed.fetch_add(1) == 0)
        first_error = r.ok() ? r->outcomes[0].reason : r.status().ToString();
      ++answers;
      answered.notify_all();
    });
  };
  auto wait_answers = [&](size_t n) {
    std::unique_lock<std::mutex> lock(mu);
    answered.wait(lock, [&] { return answers >= n; });
  };
  for (size_t i = 0; i < static_cast<size_t>(warmup); ++i) {
    send(i);
    wait_answers(i + 1);
  }
  const int warm_connections = sink.connections();
  const absl::Time start = absl::Now();
  const absl::Duration interval = absl::Seconds(1) / rate;
  for (size_t k = 0; k < paced; ++k) {
    const absl::Time due = start + interval * static_cast<double>(k);
    if (const absl::Duration wait = due - absl::Now(); wait > absl::ZeroDuration()) absl::SleepFor(wait);
    send(static_cast<size_t>(warmup) + k);
  }
  if (absl::Status s = stream.Close(); !s.ok()) {
    std::fprintf(stderr, "latency_bench: the stream failed: %s\n", s.ToString().c_str());
    return EX_SOFTWARE;
  }
  const double achieved = static_cast<double>(paced) / absl::ToDoubleSeconds(absl::Now() - start);

  std::vector<double> us;
  size_t missing = 0;
  for (size_t i = static_cast<size_t>(warmup); i < total; ++i) {
    const absl::Time arrival = sink.Arrival(i);
    if (arrival == absl::Time()) {
      ++missing;
      continue;
    }
    us.push_back(absl::ToDoubleMicroseconds(arrival - sent[i]));
  }
  if (args->Has("header")) {
    std::printf("%-22s %8s %8s %9s %9s %9s %9s %9s %12s %7s\n", "scenario", "rate", "msgs", "p50 ms",
                "p90 ms", "p99 ms", "p99.9 ms", "max ms", "new conns", "failed");
  }
  std::printf("%-22s %8.0f %8zu %9.3f %9.3f %9.3f %9.3f %9.3f %12d %7d\n",
              args->GetOr("label", "mxd").c_str(), achieved, us.size(),
              mxd::bench::Percentile(us, 0.5) / 1000, mxd::bench::Percentile(us, 0.9) / 1000,
              mxd::bench::Percentile(us, 0.99) / 1000, mxd::bench::Percentile(us, 0.999) / 1000,
              mxd::bench::Percentile(us, 1.0) / 1000, sink.connections() - warm_connections, failed.load());
  if (!first_error.empty()) std::fprintf(stderr, "latency_bench: first failure: %s\n", first_error.c_str());
  if (missing > 0) std::fprintf(stderr, "latency_bench: %zu MAIL FROM commands never arrived\n", missing);
  return failed.load() == 0 && missing == 0 ? EX_OK : EX_SOFTWARE;
}
