#include "common/net/event_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <thread>

#include "absl/time/clock.h"

namespace mxd {
namespace {

uint64_t ThisThreadId() {
  return static_cast<uint64_t>(std::hash<std::thread::id>()(std::this_thread::get_id())) | 1;
}

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "fatal: event loop: %s: %s\n", what, std::strerror(errno));
  std::abort();
}

uint32_t ToEpoll(uint32_t interest) {
  uint32_t e = 0;
  if (interest & EventLoop::kReadable) e |= EPOLLIN | EPOLLRDHUP;
  if (interest & EventLoop::kWritable) e |= EPOLLOUT;
  return e;
}

}  // namespace

EventLoop::EventLoop() : now_(absl::Now()) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) Die("epoll_create1");
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) Die("eventfd");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = wake_fd_;
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) Die("epoll_ctl(wake)");
}

EventLoop::~EventLoop() {
  close(wake_fd_);
  close(epoll_fd_);
}

bool EventLoop::InLoopThread() const {
  return owner_thread_.load(std::memory_order_relaxed) == ThisThreadId();
}

void EventLoop::Stop() {
  stop_requested_.store(true);
  Post([this] { stop_ = true; });
}

void EventLoop::Post(Task task) {
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(task));
    if (!wake_pending_) wake = wake_pending_ = true;
  }
  // One wake-up per batch: the loop drains everything posted so far.
  if (wake) {
    uint64_t one = 1;
    ssize_t n = write(wake_fd_, &one, sizeof(one));
    (void)n;  // EAGAIN means the counter is already non-zero: still woken
  }
}

void EventLoop::DrainPosted() {
  uint64_t count;
  while (read(wake_fd_, &count, sizeof(count)) > 0) {
  }
  std::vector<Task> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    batch.swap(posted_);
    wake_pending_ = false;
  }
  for (Task& t : batch) t();
}

void EventLoop::Watch(int fd, uint32_t interest, FdCallback callback) {
  epoll_event ev{};
  ev.events = ToEpoll(interest);
  ev.data.fd = fd;
  auto it = watchers_.find(fd);
  if (it == watchers_.end()) {
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) Die("epoll_ctl(ADD)");
    watchers_[fd] = Watcher{interest, std::make_shared<FdCallback>(std::move(callback))};
    return;
  }
  if (it->second.interest != interest) {
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &ev) != 0) Die("epoll_ctl(MOD)");
    it->second.interest = interest;
  }
  it->second.callback = std::make_shared<FdCallback>(std::move(callback));
}

void EventLoop::Unwatch(int fd) {
  if (watchers_.erase(fd) > 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

EventLoop::TimerId EventLoop::AddTimer(absl::Duration delay, Task task) {
  TimerId id = next_timer_id_++;
  absl::Time when = absl::Now() + delay;
  timers_.emplace(std::make_pair(when, id), std::move(task));
  timer_deadlines_.emplace(id, when);
  return id;
}

void EventLoop::CancelTimer(TimerId id) {
  auto it = timer_deadlines_.find(id);
  if (it == timer_deadlines_.end()) return;
  timers_.erase(std::make_pair(it->second, id));
  timer_deadlines_.erase(it);
}

int EventLoop::NextTimeoutMs() const {
  if (timers_.empty()) return -1;
  absl::Duration d = timers_.begin()->first.first - absl::Now();
  if (d <= absl::ZeroDuration()) return 0;
  // Round up so a timer never fires early.
  return static_cast<int>(absl::ToInt64Milliseconds(d + absl::Milliseconds(1) - absl::Nanoseconds(1)));
}

void EventLoop::RunTimers() {
  now_ = absl::Now();
  while (!timers_.empty() && timers_.begin()->first.first <= now_) {
    auto node = timers_.extract(timers_.begin());
    timer_deadlines_.erase(node.key().second);
    node.mapped()();
  }
}

void EventLoop::Run() {
  owner_thread_.store(ThisThreadId());
  stop_ = stop_requested_.load();
  epoll_event events[256];
  while (!stop_) {
    int n = epoll_wait(epoll_fd_, events, 256, NextTimeoutMs());
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("epoll_wait");
    }
    now_ = absl::Now();
    for (int i = 0; i < n; ++i) {
      int fd = events[i].data.fd;
      if (fd == wake_fd_) {
        DrainPosted();
        continue;
      }
      auto it = watchers_.find(fd);
      if (it == watchers_.end()) continue;  // unwatched by an earlier callback
      uint32_t mask = 0;
      if (events[i].events & (EPOLLIN | EPOLLRDHUP)) mask |= kReadable;
      if (events[i].events & EPOLLOUT) mask |= kWritable;
      if (events[i].events & (EPOLLERR | EPOLLHUP)) mask |= kError | kReadable;
      std::shared_ptr<FdCallback> cb = it->second.callback;
      (*cb)(mask);
    }
    RunTimers();
  }
}

}  // namespace mxd
