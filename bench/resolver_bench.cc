// resolver_bench: drives Resolver.Resolve over gRPC with many concurrent
// callers and prints resolves per second and latency percentiles.
//
//   resolver_bench --resolver HOST:PORT --nexthop example.test
//                  [--concurrency 64] [--duration 5s] [--distinct N] [--label TEXT]
//
// With --distinct N the callers cycle through N names: d0.NEXTHOP ...
// d(N-1).NEXTHOP, so that a resolver with its cache disabled must ask DNS
// every time. bench/run_resolver_bench sets up DNS and the resolvers.
#include <grpcpp/grpcpp.h>
#include <sysexits.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/percentile.h"
#include "common/cli/arguments.h"
#include "common/config/time_value.h"
#include "mxd/v1/resolver.grpc.pb.h"

namespace {

struct Shared {
  std::vector<std::unique_ptr<mxd::v1::Resolver::Stub>> stubs;
  std::string nexthop;
  uint64_t distinct = 0;
  absl::Time deadline;
  std::atomic<uint64_t> next_name{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> not_ok{0};
  std::mutex mu;
  std::condition_variable cv;
  int running = 0;
  std::vector<std::vector<double>> latencies_us;  // one vector per caller
};

// One caller: a chain of RPCs, each started when the previous one finished.
class Caller {
 public:
  Caller(Shared* shared, int index) : shared_(shared), index_(index) {}
  void Start() { Issue(); }

 private:
  void Issue() {
    if (absl::Now() >= shared_->deadline) {
      std::lock_guard<std::mutex> lock(shared_->mu);
      if (--shared_->running == 0) shared_->cv.notify_all();
      return;
    }
    ctx_ = std::make_unique<grpc::ClientContext>();
    ctx_->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
    request_.set_nexthop(
        shared_->distinct == 0
            ? shared_->nexthop
            : absl::StrCat("d", shared_->next_name.fetch_add(1) % shared_->distinct, ".", shared_->nexthop));
    response_.Clear();
    start_ = absl::Now();
    auto& stub = shared_->stubs[index_ % shared_->stubs.size()];
    stub->async()->Resolve(ctx_.get(), &request_, &response_, [this](grpc::Status status) {
      shared_->latencies_us[index_].push_back(absl::ToDoubleMicroseconds(absl::Now() - start_));
      if (!status.ok()) {
        if (shared_->errors.fetch_add(1) == 0) {
          std::fprintf(stderr, "resolver_bench: %s\n", status.error_message().c_str());
        }
      } else if (response_.status() != mxd::v1::RESOLVE_STATUS_OK) {
        shared_->not_ok.fetch_add(1);
      }
      Issue();
    });
  }

  Shared* shared_;
  int index_;
  std::unique_ptr<grpc::ClientContext> ctx_;
  mxd::v1::ResolveRequest request_;
  mxd::v1::ResolveResponse response_;
  absl::Time start_;
};

}  // namespace

int main(int argc, char** argv) {
  auto args = mxd::ParseArgs(std::vector<std::string>(argv + 1, argv + argc), {{"resolver"},
                                                                               {"nexthop"},
                                                                               {"concurrency"},
                                                                               {"duration"},
                                                                               {"distinct"},
                                                                               {"channels"},
                                                                               {"label"},
                                                                               {"header", false}});
  int concurrency = 64, channels = 2;
  uint64_t distinct = 0;
  auto duration = mxd::ParseTimeValue(args.ok() ? args->GetOr("duration", "5s") : "5s");
  if (!args.ok() || !args->Get("resolver") || !args->Get("nexthop") || !duration.ok() ||
      !absl::SimpleAtoi(args->GetOr("concurrency", "64"), &concurrency) ||
      !absl::SimpleAtoi(args->GetOr("channels", "2"), &channels) ||
      !absl::SimpleAtoi(args->GetOr("distinct", "0"), &distinct) || concurrency < 1 || channels < 1) {
    std::fprintf(stderr,
                 "usage: resolver_bench --resolver HOST:PORT --nexthop NAME [--concurrency N] "
                 "[--duration TIME] [--distinct N] [--channels N] [--label TEXT] [--header]\n");
    return EX_USAGE;
  }

  // As in the services (common/grpc/server_runner.cc): Debian's Abseil
  // checks every gRPC lock for deadlock cycles, which costs the client
  // about 6% of its CPU on this machine.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Shared shared;
  shared.nexthop = *args->Get("nexthop");
  shared.distinct = distinct;
  for (int i = 0; i < channels; ++i) {
    grpc::ChannelArguments ch_args;
    ch_args.SetInt("grpc.channel_id", i);  // distinct channels, distinct connections
    shared.stubs.push_back(mxd::v1::Resolver::NewStub(
        grpc::CreateCustomChannel(*args->Get("resolver"), grpc::InsecureChannelCredentials(), ch_args)));
  }
  shared.latencies_us.resize(concurrency);

  // Warm up: connections, and the cache for a single name.
  {
    grpc::ClientContext ctx;
    mxd::v1::ResolveRequest req;
    req.set_nexthop(shared.nexthop);
    mxd::v1::ResolveResponse resp;
    grpc::Status st = shared.stubs[0]->Resolve(&ctx, req, &resp);
    if (!st.ok()) {
      std::fprintf(stderr, "resolver_bench: warm-up failed: %s\n", st.error_message().c_str());
      return EX_UNAVAILABLE;
    }
  }

  std::vector<std::unique_ptr<Caller>> callers;
  const absl::Time start = absl::Now();
  shared.deadline = start + *duration;
  shared.running = concurrency;
  for (int i = 0; i < concurrency; ++i) callers.push_back(std::make_unique<Caller>(&shared, i));
  for (auto& c : callers) c->Start();
  {
    std::unique_lock<std::mutex> lock(shared.mu);
    shared.cv.wait(lock, [&] { return shared.running == 0; });
  }
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);

  std::vector<double> all;
  for (auto& v : shared.latencies_us) all.insert(all.end(), v.begin(), v.end());
  const double rate = static_cast<double>(all.size()) / seconds;
  if (args->Has("header")) {
    std::printf("%-28s %11s %10s %10s %10s %8s %8s\n", "scenario", "concurrency", "resolves/s", "p50 (ms)",
                "p99 (ms)", "errors", "not ok");
  }
  std::printf("%-28s %11d %10.0f %10.3f %10.3f %8llu %8llu\n", args->GetOr("label", "resolve").c_str(),
              concurrency, rate, mxd::bench::Percentile(all, 0.50) / 1000,
              mxd::bench::Percentile(all, 0.99) / 1000, static_cast<unsigned long long>(shared.errors.load()),
              static_cast<unsigned long long>(shared.not_ok.load()));
  return shared.errors.load() == 0 ? EX_OK : EX_SOFTWARE;
}
