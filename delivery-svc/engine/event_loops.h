// delivery-svc's event-loop threads (delivery_event_loops, one per core by
// default). Each loop owns the sessions, the idle cached connections and
// the per-destination slots of the next hops hashed to it, so nothing on a
// message's path is shared between loops but the session total (an atomic
// count) and the byte budgets (atomic too). gRPC threads hand each message
// to its next hop's loop (For).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/net/event_loop.h"
#include "delivery-svc/engine/concurrency_limiter.h"
#include "delivery-svc/engine/connection_cache.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "delivery-svc/engine/session_limit.h"

namespace mxd {

class EventLoops {
 public:
  struct Loop {
    EventLoop loop;
    std::unique_ptr<ConcurrencyLimiter> limiter;  // loop thread
    std::unique_ptr<ConnectionCache> cache;       // loop thread
    std::thread thread;
  };

  // `count` 0: one per core.
  EventLoops(size_t count, const DeliverySettings& settings);
  // Stops the threads (Stop), if Start was called.
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  void Start();
  void Stop();

  size_t size() const { return loops_.size(); }
  Loop& at(size_t i) { return *loops_[i]; }
  // The loop that owns `destination` (the concurrency key, the cache's).
  size_t IndexFor(absl::string_view destination) const;

  // A reload: the limits, applied on each loop's thread.
  void SetLimits(size_t per_destination, size_t total);
  // Shutdown: QUIT to every idle cached connection.
  void CloseCachedConnections();

 private:
  SessionLimit sessions_;
  std::vector<std::unique_ptr<Loop>> loops_;
};

}  // namespace mxd
