// Parallel SMTP sessions: at most smtp_destination_concurrency_limit per
// next hop (across all requests) and delivery_session_limit in all. Work
// beyond the limits waits in arrival order. One limiter per event loop,
// used on its thread only; each next hop belongs to one loop, so the
// per-destination limit is exact, and the loops share the total through
// a SessionLimit.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "delivery-svc/engine/session_limit.h"

namespace mxd {

class ConcurrencyLimiter {
 public:
  using Start = absl::AnyInvocable<void()>;
  // The total shared with other loops' limiters; `wake` hands a call to
  // Retry() over to this limiter's thread (from any thread).
  ConcurrencyLimiter(size_t per_destination, SessionLimit* sessions, absl::AnyInvocable<void()> wake);

  // Runs `start` now if both limits allow, otherwise when they do. Returns
  // a ticket for Cancel().
  uint64_t Acquire(const std::string& destination, Start start);
  // Takes a waiter out of the queue (its caller went away): true if it was
  // waiting; `start` is then never run.
  bool Cancel(uint64_t ticket);
  // Gives the slot back; starts whoever waits first and now fits (or
  // leaves the room to another loop).
  void Release(const std::string& destination);
  // Room may have appeared (another loop's session ended, a reload):
  // starts every waiter that now fits.
  void Retry();

  // A reload: sessions over the new limit finish; none start until under.
  void SetPerDestinationLimit(size_t per_destination);

  size_t active() const { return active_total_; }  // this limiter's sessions
  size_t waiting() const { return waiting_.size(); }

 private:
  struct Waiter {
    uint64_t ticket;
    std::string destination;
    Start start;
  };
  // The first waiter that may start as far as its destination goes (the
  // first of its destination, under the per-destination limit), or end().
  std::deque<Waiter>::iterator NextEligible();
  bool DestinationFits(const std::string& destination) const;
  void Run(std::deque<Waiter>::iterator w);  // holding a session of the total

  size_t per_destination_;
  SessionLimit* sessions_;
  size_t me_;  // in sessions_
  size_t active_total_ = 0;
  absl::flat_hash_map<std::string, size_t> active_;
  std::deque<Waiter> waiting_;
  uint64_t next_ticket_ = 1;
};

}  // namespace mxd
