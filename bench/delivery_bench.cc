// delivery_bench: delivers N messages of a given size through delivery-svc
// at a given concurrency to an SMTP server on loopback, and prints messages
// per second and latency percentiles. bench/run_delivery_bench runs it next
// to Postfix's own smtp client against the same smtp-sink.
//
//   delivery_bench --delivery HOST:PORT --sink-port PORT --messages N
//                  --size BYTES --concurrency C [--stream] [--label TEXT]
//                  [--header]
//
// Deliver: one caller thread per concurrent delivery (the benchmark's
// client, not the service). --stream: one DeliverStream with C messages in
// flight, as a queue manager would send them.
#include <sysexits.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "bench/percentile.h"
#include "bench/test_message.h"
#include "cli/client/deliver_client.h"
#include "cli/client/deliver_stream_client.h"
#include "common/cli/arguments.h"

int main(int argc, char** argv) {
  auto args = mxd::ParseArgs(std::vector<std::string>(argv + 1, argv + argc), {{"delivery"},
                                                                               {"sink-port"},
                                                                               {"messages"},
                                                                               {"size"},
                                                                               {"concurrency"},
                                                                               {"label"},
                                                                               {"header", false},
                                                                               {"stream", false}});
  int port = 0, messages = 0, concurrency = 0;
  size_t size = 0;
  if (!args.ok() || !args->Get("delivery") || !absl::SimpleAtoi(args->GetOr("sink-port", ""), &port) ||
      !absl::SimpleAtoi(args->GetOr("messages", ""), &messages) ||
      !absl::SimpleAtoi(args->GetOr("size", ""), &size) ||
      !absl::SimpleAtoi(args->GetOr("concurrency", ""), &concurrency) || messages < 1 || concurrency < 1) {
    std::fprintf(stderr,
                 "usage: delivery_bench --delivery HOST:PORT --sink-port PORT --messages N --size BYTES "
                 "--concurrency C [--stream] [--label TEXT] [--header]\n");
    return EX_USAGE;
  }
  const std::string message = mxd::bench::MakeMessage(size, "delivery_bench");
  mxd::client::DeliverClient client(*args->Get("delivery"));
  mxd::client::DeliverEnvelope env;
  env.sender = "bench@mxd.test";
  env.recipients = {{"sink@mxd.test", {}, ""}};
  env.nexthop = absl::StrCat("[127.0.0.1]:", port);
  env.routes = {{"127.0.0.1", 0, static_cast<uint32_t>(port), {"127.0.0.1"}, false}};
  env.body = mxd::client::DeliverEnvelope::Body::k7Bit;

  std::atomic<int> next{0}, failed{0};
  std::mutex mu;
  std::vector<double> latencies_ms;
  std::string first_error;
  const absl::Time start = absl::Now();
  std::vector<std::thread> callers;
  auto failure = [&](const absl::StatusOr<mxd::client::DeliverResult>& r) {
    if (r.ok() && r->outcomes.size() == 1 &&
        r->outcomes[0].action == mxd::client::DeliverOutcome::Action::kDelivered) {
      return;
    }
    failed.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    if (first_error.empty()) first_error = r.ok() ? r->outcomes[0].reason : r.status().ToString();
  };
  if (args->Has("stream")) {
    mxd::client::DeliverStreamClient stream(*args->Get("delivery"), {}, static_cast<size_t>(concurrency));
    // At most C sent and unanswered, so that the latency is the message's,
    // not its wait in the client.
    std::condition_variable room;
    int in_flight = 0;
    for (int i = 0; i < messages; ++i) {
      {
        std::unique_lock<std::mutex> lock(mu);
        room.wait(lock, [&] { return in_flight < concurrency; });
        ++in_flight;
      }
      stream.Send(env, message, absl::Minutes(5), [&, t0 = absl::Now()](auto r) {
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
        failure(r);
        std::lock_guard<std::mutex> lock(mu);
        latencies_ms.push_back(ms);
        --in_flight;
        room.notify_one();
      });
    }
    if (absl::Status s = stream.Close(); !s.ok()) {
      std::fprintf(stderr, "delivery_bench: the stream failed: %s\n", s.ToString().c_str());
      return EX_SOFTWARE;
    }
  }
  for (int c = 0; c < (args->Has("stream") ? 0 : concurrency); ++c) {
    callers.emplace_back([&] {
      std::vector<double> mine;
      while (next.fetch_add(1) < messages) {
        const absl::Time t0 = absl::Now();
        auto r = client.Deliver(env, message, absl::Minutes(5));
        mine.push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        failure(r);
      }
      std::lock_guard<std::mutex> lock(mu);
      latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    });
  }
  for (auto& t : callers) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  if (args->Has("header")) {
    std::printf("%-24s %11s %8s %8s %8s %10s %9s %9s %7s\n", "scenario", "concurrency", "size", "messages",
                "seconds", "msgs/s", "p50 ms", "p99 ms", "failed");
  }
  std::printf("%-24s %11d %8zu %8d %8.2f %10.1f %9.2f %9.2f %7d\n", args->GetOr("label", "mxd").c_str(),
              concurrency, size, messages, seconds, messages / seconds,
              mxd::bench::Percentile(latencies_ms, 0.5), mxd::bench::Percentile(latencies_ms, 0.99),
              failed.load());
  if (!first_error.empty()) std::fprintf(stderr, "delivery_bench: first failure: %s\n", first_error.c_str());
  return failed.load() == 0 ? EX_OK : EX_SOFTWARE;
}
