// delivery_session_limit across every event loop: one count, taken and
// given back with single atomic operations (no lock on the per-message
// path). A loop's limiter that has work waiting for lack of room says so
// (WaitForRoom) and is woken on its own loop when a session ends elsewhere.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "absl/functional/any_invocable.h"

namespace mxd {

class SessionLimit {
 public:
  explicit SessionLimit(size_t limit) : limit_(limit) {}
  SessionLimit(const SessionLimit&) = delete;
  SessionLimit& operator=(const SessionLimit&) = delete;

  // Before any session starts, once per limiter: `wake` is called from any
  // thread when room appears while that limiter waits for it, and must
  // hand over to the limiter's own thread. Returns the limiter's number.
  size_t AddWaiter(absl::AnyInvocable<void()> wake);

  // One session more, if under the limit.
  bool TryTake();
  // One session fewer: wakes the limiters waiting for room, but `giver`.
  void Give(size_t giver);
  // Limiter `who` has work that waits for room. Take again afterwards: a
  // session may have ended in between, with nobody to wake.
  void WaitForRoom(size_t who) { waiters_[who]->waiting.store(true); }
  // A reload: more room wakes whoever waits.
  void SetLimit(size_t limit);

  size_t active() const { return active_.load(); }
  // More sessions run than the limit allows (a reload lowered it).
  bool over_limit() const { return active_.load() > limit_.load(); }

 private:
  void Wake(size_t except);
  struct Waiter {
    absl::AnyInvocable<void()> wake;
    std::atomic<bool> waiting{false};
  };
  std::atomic<size_t> limit_;
  std::atomic<size_t> active_{0};
  std::vector<std::unique_ptr<Waiter>> waiters_;  // fixed once sessions start
};

}  // namespace mxd
