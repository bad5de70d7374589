#include "delivery-svc/engine/concurrency_limiter.h"

namespace mxd {

bool ConcurrencyLimiter::Fits(const std::string& destination) const {
  if (active_total_ >= total_) return false;
  auto it = active_.find(destination);
  return it == active_.end() || it->second < per_destination_;
}

uint64_t ConcurrencyLimiter::Acquire(const std::string& destination, Start start) {
  const uint64_t ticket = next_ticket_++;
  // Later arrivals never overtake earlier ones for the same destination.
  bool queued_ahead = false;
  for (const Waiter& w : waiting_) queued_ahead |= w.destination == destination;
  if (queued_ahead || !Fits(destination)) {
    waiting_.push_back({ticket, destination, std::move(start)});
    return ticket;
  }
  ++active_[destination];
  ++active_total_;
  start();
  return ticket;
}

bool ConcurrencyLimiter::Cancel(uint64_t ticket) {
  for (auto w = waiting_.begin(); w != waiting_.end(); ++w) {
    if (w->ticket != ticket) continue;
    waiting_.erase(w);
    return true;
  }
  return false;
}

void ConcurrencyLimiter::Release(const std::string& destination) {
  auto it = active_.find(destination);
  if (it != active_.end() && --it->second == 0) active_.erase(it);
  --active_total_;
  for (auto w = waiting_.begin(); w != waiting_.end(); ++w) {
    if (!Fits(w->destination)) continue;
    // Only the first waiter of each destination may go.
    bool earlier_same = false;
    for (auto v = waiting_.begin(); v != w; ++v) earlier_same |= v->destination == w->destination;
    if (earlier_same) continue;
    std::string dest = std::move(w->destination);
    Start start = std::move(w->start);
    waiting_.erase(w);
    ++active_[dest];
    ++active_total_;
    start();
    return;
  }
}

}  // namespace mxd
