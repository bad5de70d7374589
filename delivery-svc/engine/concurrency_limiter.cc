#include "delivery-svc/engine/concurrency_limiter.h"

#include <utility>

namespace mxd {

ConcurrencyLimiter::ConcurrencyLimiter(size_t per_destination, SessionLimit* sessions,
                                       absl::AnyInvocable<void()> wake)
    : per_destination_(per_destination), sessions_(sessions), me_(sessions->AddWaiter(std::move(wake))) {}

bool ConcurrencyLimiter::DestinationFits(const std::string& destination) const {
  auto it = active_.find(destination);
  return it == active_.end() || it->second < per_destination_;
}

std::deque<ConcurrencyLimiter::Waiter>::iterator ConcurrencyLimiter::NextEligible() {
  for (auto w = waiting_.begin(); w != waiting_.end(); ++w) {
    if (!DestinationFits(w->destination)) continue;
    // Only the first waiter of each destination may go.
    bool earlier_same = false;
    for (auto v = waiting_.begin(); v != w && !earlier_same; ++v)
      earlier_same = v->destination == w->destination;
    if (!earlier_same) return w;
  }
  return waiting_.end();
}

void ConcurrencyLimiter::Run(std::deque<Waiter>::iterator w) {
  std::string dest = std::move(w->destination);
  Start start = std::move(w->start);
  waiting_.erase(w);
  ++active_[dest];
  ++active_total_;
  start();
}

uint64_t ConcurrencyLimiter::Acquire(const std::string& destination, Start start) {
  const uint64_t ticket = next_ticket_++;
  // Later arrivals never overtake earlier ones for the same destination.
  bool queued_ahead = false;
  for (const Waiter& w : waiting_) queued_ahead |= w.destination == destination;
  if (!queued_ahead && DestinationFits(destination) && sessions_->TryTake()) {
    ++active_[destination];
    ++active_total_;
    start();
    return ticket;
  }
  waiting_.push_back({ticket, destination, std::move(start)});
  if (!queued_ahead && DestinationFits(destination)) Retry();  // waits for the total: ask to be woken
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
  // The session's share of the total passes to our next waiter, if one
  // fits; otherwise back to the total, for the other loops.
  // (Not when a reload lowered the total below what runs: then it goes
  // back, and waiters start only once under.)
  auto w = NextEligible();
  if (w != waiting_.end() && !sessions_->over_limit()) return Run(w);
  sessions_->Give(me_);
  Retry();
}

void ConcurrencyLimiter::Retry() {
  for (auto w = NextEligible(); w != waiting_.end(); w = NextEligible()) {
    if (!sessions_->TryTake()) {
      sessions_->WaitForRoom(me_);
      if (!sessions_->TryTake()) return;  // woken when a session ends
    }
    Run(w);  // may add or cancel waiters: look again from the start
  }
}

void ConcurrencyLimiter::SetPerDestinationLimit(size_t per_destination) {
  per_destination_ = per_destination;
  Retry();
}

}  // namespace mxd
