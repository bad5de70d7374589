// Parallel SMTP sessions: at most smtp_destination_concurrency_limit per
// next hop (across all requests) and delivery_session_limit in all. Work
// beyond the limits waits in arrival order. Loop thread only.
#pragma once

#include <cstdint>
#include <deque>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"

namespace mxd {

class ConcurrencyLimiter {
 public:
  using Start = absl::AnyInvocable<void()>;
  ConcurrencyLimiter(size_t per_destination, size_t total)
      : per_destination_(per_destination), total_(total) {}

  // Runs `start` now if both limits allow, otherwise when they do. Returns
  // a ticket for Cancel().
  uint64_t Acquire(const std::string& destination, Start start);
  // Takes a waiter out of the queue (its caller went away): true if it was
  // waiting; `start` is then never run.
  bool Cancel(uint64_t ticket);
  // Gives the slot back; starts whoever waits first and now fits.
  void Release(const std::string& destination);

  // New limits (a reload): sessions over them finish; none start until under.
  void SetLimits(size_t per_destination, size_t total) {
    per_destination_ = per_destination;
    total_ = total;
  }

  size_t active() const { return active_total_; }
  size_t waiting() const { return waiting_.size(); }

 private:
  bool Fits(const std::string& destination) const;

  size_t per_destination_;
  size_t total_;
  size_t active_total_ = 0;
  absl::flat_hash_map<std::string, size_t> active_;
  struct Waiter {
    uint64_t ticket;
    std::string destination;
    Start start;
  };
  std::deque<Waiter> waiting_;
  uint64_t next_ticket_ = 1;
};

}  // namespace mxd
