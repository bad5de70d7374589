#include "delivery-svc/concurrency_limiter.h"

namespace mxd {

bool ConcurrencyLimiter::Fits(const std::string& destination) const {
  if (active_total_ >= total_) return false;
  auto it = active_.find(destination);
  return it == active_.end() || it->second < per_destination_;
}

void ConcurrencyLimiter::Acquire(const std::string& destination, Start start) {
  // Later arrivals never overtake earlier ones for the same destination.
  bool queued_ahead = false;
  for (const auto& w : waiting_) queued_ahead |= w.first == destination;
  if (queued_ahead || !Fits(destination)) {
    waiting_.emplace_back(destination, std::move(start));
    return;
  }
  ++active_[destination];
  ++active_total_;
  start();
}

void ConcurrencyLimiter::Release(const std::string& destination) {
  auto it = active_.find(destination);
  if (it != active_.end() && --it->second == 0) active_.erase(it);
  --active_total_;
  for (auto w = waiting_.begin(); w != waiting_.end(); ++w) {
    if (!Fits(w->first)) continue;
    // Only the first waiter of each destination may go.
    bool earlier_same = false;
    for (auto v = waiting_.begin(); v != w; ++v) earlier_same |= v->first == w->first;
    if (earlier_same) continue;
    std::string dest = std::move(w->first);
    Start start = std::move(w->second);
    waiting_.erase(w);
    ++active_[dest];
    ++active_total_;
    start();
    return;
  }
}

}  // namespace mxd
