#include "common/net/event_loop.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace mxd {
namespace {

TEST(EventLoop, TimersFireInDeadlineOrderAndCanBeCancelled) {
  EventLoop loop;
  std::vector<int> order;
  loop.AddTimer(absl::Milliseconds(30), [&] { order.push_back(3); });
  loop.AddTimer(absl::Milliseconds(10), [&] { order.push_back(1); });
  EventLoop::TimerId cancelled = loop.AddTimer(absl::Milliseconds(20), [&] { order.push_back(2); });
  loop.CancelTimer(cancelled);
  loop.CancelTimer(cancelled);  // twice is harmless
  loop.AddTimer(absl::Milliseconds(40), [&] { loop.Stop(); });
  const absl::Time start = absl::Now();
  loop.Run();
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(40));  // never early
}

TEST(EventLoop, PostFromOtherThreadsRunsEverythingInOrderOnTheLoop) {
  EventLoop loop;
  std::vector<int> seen;
  std::atomic<bool> all_on_loop{true};
  std::thread poster([&] {
    for (int i = 0; i < 1000; ++i) {
      loop.Post([&, i] {
        all_on_loop = all_on_loop && loop.InLoopThread();
        seen.push_back(i);
        if (i == 999) loop.Stop();
      });
    }
  });
  loop.Run();
  poster.join();
  ASSERT_EQ(seen.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(seen[i], i);
  EXPECT_TRUE(all_on_loop);
}

TEST(EventLoop, WatchesFileDescriptors) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(pipe2(fds, O_NONBLOCK), 0);
  std::string got;
  loop.Watch(fds[0], EventLoop::kReadable, [&](uint32_t events) {
    EXPECT_TRUE(events & EventLoop::kReadable);
    char buf[16];
    ssize_t n = read(fds[0], buf, sizeof(buf));
    if (n > 0) got.append(buf, n);
    if (n == 0) {  // writer closed: stop watching from inside the callback
      loop.Unwatch(fds[0]);
      loop.Stop();
    }
  });
  loop.AddTimer(absl::Milliseconds(5), [&] {
    ASSERT_EQ(write(fds[1], "hello", 5), 5);
    close(fds[1]);
  });
  loop.Run();
  EXPECT_EQ(got, "hello");
  close(fds[0]);
}

TEST(EventLoop, StopBeforeRunReturnsImmediately) {
  EventLoop loop;
  loop.Stop();
  loop.Run();
  SUCCEED();
}

}  // namespace
}  // namespace mxd
