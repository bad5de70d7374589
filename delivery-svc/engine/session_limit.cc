#include "delivery-svc/engine/session_limit.h"

#include <limits>
#include <utility>

namespace mxd {

size_t SessionLimit::AddWaiter(absl::AnyInvocable<void()> wake) {
  auto w = std::make_unique<Waiter>();
  w->wake = std::move(wake);
  waiters_.push_back(std::move(w));
  return waiters_.size() - 1;
}

bool SessionLimit::TryTake() {
  size_t active = active_.load();
  do {
    if (active >= limit_.load()) return false;
  } while (!active_.compare_exchange_weak(active, active + 1));
  return true;
}

void SessionLimit::Give(size_t giver) {
  active_.fetch_sub(1);
  Wake(giver);
}

void SessionLimit::SetLimit(size_t limit) {
  limit_.store(limit);
  Wake(std::numeric_limits<size_t>::max());
}

void SessionLimit::Wake(size_t except) {
  // After the count changed: a limiter that set its flag before this sees
  // it here; one that sets it later takes again and finds the room itself.
  for (size_t i = 0; i < waiters_.size(); ++i) {
    if (i != except && waiters_[i]->waiting.exchange(false)) waiters_[i]->wake();
  }
}

}  // namespace mxd
