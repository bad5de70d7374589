// A single-threaded epoll event loop with timers and a thread-safe Post().
// One loop drives many connections or DNS queries; callbacks run on the
// loop's thread, so the state they touch needs no locks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/any_invocable.h"
#include "absl/time/time.h"

namespace mxd {

class EventLoop {
 public:
  using Task = absl::AnyInvocable<void()>;
  // `events` is a mask of kReadable / kWritable / kError.
  using FdCallback = std::function<void(uint32_t events)>;
  using TimerId = uint64_t;

  static constexpr uint32_t kReadable = 1;
  static constexpr uint32_t kWritable = 2;
  static constexpr uint32_t kError = 4;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Runs until Stop(). Call from the thread that owns the loop.
  void Run();
  // Thread-safe: makes Run() return after the current iteration.
  void Stop();
  // Thread-safe: runs `task` on the loop thread, in posting order.
  void Post(Task task);
  // Loop thread: destroys `object` once the current callback has returned
  // (an object must not be destroyed from inside its own callback).
  template <typename T>
  void DeleteSoon(std::unique_ptr<T> object) {
    if (object) Post([dead = std::move(object)] {});
  }

  // Loop thread only. Watches `fd` for the given interest (kReadable and/or
  // kWritable); calling again changes the interest or callback.
  void Watch(int fd, uint32_t interest, FdCallback callback);
  void Unwatch(int fd);

  // Loop thread only. Runs `task` once after `delay`.
  TimerId AddTimer(absl::Duration delay, Task task);
  // Harmless if the timer already ran or was cancelled.
  void CancelTimer(TimerId id);

  absl::Time Now() const { return now_; }
  bool InLoopThread() const;

 private:
  void RunTimers();
  void DrainPosted();
  int NextTimeoutMs() const;

  int epoll_fd_ = -1;
  int wake_fd_ = -1;  // eventfd that interrupts epoll_wait for Post/Stop
  absl::Time now_;
  bool stop_ = false;
  std::atomic<bool> stop_requested_{false};
  std::atomic<uint64_t> owner_thread_{0};

  struct Watcher {
    uint32_t interest = 0;
    std::shared_ptr<FdCallback> callback;  // shared: a callback may Unwatch itself
  };
  absl::flat_hash_map<int, Watcher> watchers_;

  TimerId next_timer_id_ = 1;
  std::map<std::pair<absl::Time, TimerId>, Task> timers_;
  absl::flat_hash_map<TimerId, absl::Time> timer_deadlines_;

  std::mutex posted_mu_;
  std::vector<Task> posted_;
  bool wake_pending_ = false;  // guarded by posted_mu_
};

}  // namespace mxd
