// A queue manager's loop in a page, with mxd's client library: each queued
// message is resolved, delivered, and its recipients are marked finished
// (delivered or bounced) or kept for a retry with exponential backoff.
//
//   queue_manager_example --resolver HOST:PORT --delivery ENDPOINTS
//                         [--max-attempts N] [--retry-delay TIME] QUEUE_DIR
//
// QUEUE_DIR holds messages as NAME.eml with NAME.env beside each: the sender
// on the first line, one recipient per line after it. Not a real queue (no
// locking, no persistence of retry state): a demonstration of the calls.
#include <dirent.h>
#include <fcntl.h>
#include <sysexits.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "cli/client/deliver_client.h"
#include "cli/client/delivery_router.h"
#include "cli/client/resolve_client.h"
#include "common/cli/arguments.h"
#include "common/cli/default_endpoints.h"
#include "common/config/time_value.h"

namespace {

using mxd::client::DeliverOutcome;

struct Queued {
  std::string name, path, sender;
  std::vector<std::string> pending;  // recipients not finished yet
  int attempts = 0;
  absl::Time next_try = absl::InfinitePast();
};

std::vector<Queued> ReadQueue(const std::string& dir) {
  std::vector<Queued> out;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = readdir(d)) {
    absl::string_view entry = e->d_name;
    if (!absl::ConsumeSuffix(&entry, ".env")) continue;
    const std::string name(entry);
    std::ifstream env(dir + "/" + name + ".env");
    Queued q;
    q.name = name;
    q.path = dir + "/" + name + ".eml";
    std::getline(env, q.sender);
    for (std::string line; std::getline(env, line);) {
      if (!line.empty()) q.pending.push_back(line);
    }
    out.push_back(std::move(q));
  }
  closedir(d);
  return out;
}

std::string Domain(const std::string& address) { return address.substr(address.rfind('@') + 1); }

}  // namespace

int main(int argc, char** argv) {
  if (mxd::PrintedHelpOrVersion(argc, argv, "queue_manager_example",
                                "usage: queue_manager_example --resolver HOST:PORT --delivery ENDPOINTS "
                                "[--max-attempts N] [--retry-delay TIME] QUEUE_DIR")) {
    return EX_OK;
  }
  auto args = mxd::ParseArgs(std::vector<std::string>(argv + 1, argv + argc),
                             {{"resolver"}, {"delivery"}, {"max-attempts"}, {"retry-delay"}});
  int max_attempts = 5;
  auto delay = mxd::ParseTimeValue(args.ok() ? args->GetOr("retry-delay", "1s") : "1s");
  if (!args.ok() || args->positional.size() != 1 || !delay.ok() ||
      !absl::SimpleAtoi(args->GetOr("max-attempts", "5"), &max_attempts)) {
    std::fprintf(stderr,
                 "usage: queue_manager_example --resolver HOST:PORT --delivery ENDPOINTS "
                 "[--max-attempts N] [--retry-delay TIME] QUEUE_DIR\n");
    return EX_USAGE;
  }
  mxd::client::ResolveClient resolver(args->GetOr("resolver", mxd::kDefaultResolverEndpoint));
  auto router = mxd::client::DeliveryRouter::Create(args->GetOr("delivery", mxd::kDefaultDeliveryEndpoint));
  if (!router.ok()) return EX_USAGE;

  // Long enough for the service's worst case (Postfix's default timeouts).
  const absl::Duration deliver_timeout = *mxd::client::DefaultDeliverTimeout();
  std::vector<Queued> queue = ReadQueue(args->positional[0]);
  bool work_left = true;
  while (work_left) {
    work_left = false;
    for (Queued& q : queue) {
      if (q.pending.empty() || q.attempts >= max_attempts) continue;
      work_left = true;
      if (absl::Now() < q.next_try) continue;
      ++q.attempts;
      // One delivery per destination domain: recipients of one next hop
      // travel together.
      std::map<std::string, std::vector<std::string>> by_domain;
      for (const std::string& r : q.pending) by_domain[Domain(r)].push_back(r);
      std::vector<std::string> still_pending;
      for (const auto& [domain, rcpts] : by_domain) {
        auto routes = resolver.Resolve(domain, absl::Seconds(30));
        if (!routes.ok() || routes->status != mxd::client::ResolveResult::Status::kOk) {
          const bool permanent =
              routes.ok() && routes->status == mxd::client::ResolveResult::Status::kPermFail;
          for (const std::string& r : rcpts) {
            std::printf(
                "%s %s: %s (%s)\n", q.name.c_str(), r.c_str(), permanent ? "bounced" : "deferred",
                routes.ok() ? routes->reason.c_str() : std::string(routes.status().message()).c_str());
            if (!permanent) still_pending.push_back(r);
          }
          continue;
        }
        mxd::client::DeliverEnvelope env;
        env.queue_id = q.name;
        env.sender = q.sender;
        for (const std::string& r : rcpts) env.recipients.push_back({r, {}, ""});
        env.nexthop = routes->effective_nexthop;
        env.routes = routes->routes;
        env.route_signature = routes->route_signature;
        int fd = open(q.path.c_str(), O_RDONLY | O_CLOEXEC);
        auto result = fd < 0 ? absl::NotFoundError(q.path) : (*router)->DeliverFile(env, fd, deliver_timeout);
        if (fd >= 0) close(fd);
        if (!result.ok()) {  // outcome unknown: try again later
          for (const std::string& r : rcpts) {
            std::printf("%s %s: deferred (%s)\n", q.name.c_str(), r.c_str(),
                        result.status().ToString().c_str());
            still_pending.push_back(r);
          }
          continue;
        }
        for (const DeliverOutcome& o : result->outcomes) {
          std::printf("%s %s: %s (%s)\n", q.name.c_str(), o.address.c_str(),
                      mxd::client::ActionName(o.action), o.reason.c_str());
          if (o.action == DeliverOutcome::Action::kDeferred) still_pending.push_back(o.address);
        }
      }
      q.pending = std::move(still_pending);
      q.next_try = absl::Now() + *delay * (1 << std::min(q.attempts - 1, 10));
    }
    if (work_left) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  int unfinished = 0;
  for (const Queued& q : queue) unfinished += static_cast<int>(q.pending.size());
  std::printf("done: %d recipient(s) still deferred after %d attempt(s)\n", unfinished, max_attempts);
  return unfinished == 0 ? EX_OK : EX_TEMPFAIL;
}
