#include "delivery-svc/engine/concurrency_limiter.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mxd {
namespace {

TEST(ConcurrencyLimiter, PerDestinationLimitAndArrivalOrder) {
  SessionLimit total(100);
  ConcurrencyLimiter limiter(2, &total, [] {});
  std::vector<int> started;
  for (int i = 0; i < 5; ++i) limiter.Acquire("a.example", [&started, i] { started.push_back(i); });
  EXPECT_EQ(started, (std::vector<int>{0, 1}));
  EXPECT_EQ(limiter.waiting(), 3u);
  limiter.Acquire("b.example", [&started] { started.push_back(100); });  // another destination is not held up
  EXPECT_EQ(started, (std::vector<int>{0, 1, 100}));
  limiter.Release("a.example");
  EXPECT_EQ(started, (std::vector<int>{0, 1, 100, 2}));
  limiter.Release("a.example");
  limiter.Release("a.example");
  EXPECT_EQ(started, (std::vector<int>{0, 1, 100, 2, 3, 4}));
  EXPECT_EQ(limiter.waiting(), 0u);
}

TEST(ConcurrencyLimiter, GlobalSessionCap) {
  SessionLimit total(3);
  ConcurrencyLimiter limiter(10, &total, [] {});
  std::vector<std::string> started;
  for (const char* d : {"a", "b", "c", "d", "e"}) limiter.Acquire(d, [&started, d] { started.push_back(d); });
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(limiter.active(), 3u);
  limiter.Release("b");
  EXPECT_EQ(started.back(), "d");  // the first in line
  limiter.Release("a");
  EXPECT_EQ(started.back(), "e");
  EXPECT_EQ(limiter.active(), 3u);
}

TEST(ConcurrencyLimiter, LaterArrivalsNeverOvertakeForTheSameDestination) {
  SessionLimit total(2);
  ConcurrencyLimiter limiter(1, &total, [] {});
  std::vector<std::string> started;
  auto add = [&](const std::string& d, const std::string& tag) {
    limiter.Acquire(d, [&started, tag] { started.push_back(tag); });
  };
  add("a", "a1");
  add("b", "b1");
  add("a", "a2");  // waits: a is at its limit
  add("c", "c1");  // waits: the process is at its limit
  limiter.Release("b");
  // The free slot goes to the first waiter that fits: a2 does not (a is
  // busy), c1 does.
  EXPECT_EQ(started, (std::vector<std::string>{"a1", "b1", "c1"}));
  limiter.Release("a");
  EXPECT_EQ(started.back(), "a2");
}

}  // namespace
}  // namespace mxd

namespace mxd {
namespace {

// A caller that goes away while it waits leaves the queue at once; the
// others keep their order.
TEST(ConcurrencyLimiter, CancelledWaiterLeavesTheQueue) {
  SessionLimit total(100);
  ConcurrencyLimiter limiter(1, &total, [] {});
  std::vector<int> started;
  limiter.Acquire("a.example", [&started] { started.push_back(0); });
  const uint64_t second = limiter.Acquire("a.example", [&started] { started.push_back(1); });
  limiter.Acquire("a.example", [&started] { started.push_back(2); });
  EXPECT_EQ(limiter.waiting(), 2u);
  EXPECT_TRUE(limiter.Cancel(second));
  EXPECT_FALSE(limiter.Cancel(second));
  EXPECT_EQ(limiter.waiting(), 1u);
  limiter.Release("a.example");
  EXPECT_EQ(started, (std::vector<int>{0, 2}));
  EXPECT_EQ(limiter.active(), 1u);
}

// Two event loops' limiters share delivery_session_limit: a session that
// ends on one loop with nobody waiting there wakes the other, whose waiter
// then starts; the total is never passed.
TEST(ConcurrencyLimiter, LoopsShareTheSessionTotal) {
  SessionLimit sessions(2);
  int wakes_a = 0, wakes_b = 0;
  ConcurrencyLimiter a(10, &sessions, [&wakes_a] { ++wakes_a; });
  ConcurrencyLimiter b(10, &sessions, [&wakes_b] { ++wakes_b; });
  std::vector<std::string> started;
  auto add = [&started](ConcurrencyLimiter& l, const std::string& d) {
    l.Acquire(d, [&started, d] { started.push_back(d); });
  };
  add(a, "a1");
  add(a, "a2");
  add(b, "b1");  // the total is reached: b1 waits
  EXPECT_EQ(started, (std::vector<std::string>{"a1", "a2"}));
  EXPECT_EQ(sessions.active(), 2u);
  a.Release("a1");  // nobody waits on a: the room goes to b
  EXPECT_EQ(wakes_a, 0);
  EXPECT_EQ(wakes_b, 1);
  EXPECT_EQ(sessions.active(), 1u);
  b.Retry();  // what b's wake posts to b's loop
  EXPECT_EQ(started.back(), "b1");
  EXPECT_EQ(sessions.active(), 2u);
  // A waiter of a's own takes a's slot first, without the total.
  add(a, "a3");
  add(b, "b2");
  a.Release("a2");
  EXPECT_EQ(started.back(), "a3");
  EXPECT_EQ(wakes_b, 1);
  EXPECT_EQ(sessions.active(), 2u);
  EXPECT_EQ(b.waiting(), 1u);
  // A reload that raises the total wakes b.
  sessions.SetLimit(3);
  EXPECT_EQ(wakes_b, 2);
  b.Retry();
  EXPECT_EQ(started.back(), "b2");
  EXPECT_EQ(sessions.active(), 3u);
}

// A woken limiter whose room was taken meanwhile asks to be woken again.
TEST(ConcurrencyLimiter, AWakeWithoutRoomWaitsAgain) {
  SessionLimit sessions(1);
  int wakes_b = 0;
  ConcurrencyLimiter a(10, &sessions, [] {});
  ConcurrencyLimiter b(10, &sessions, [&wakes_b] { ++wakes_b; });
  std::vector<std::string> started;
  a.Acquire("x", [&started] { started.push_back("x"); });
  b.Acquire("y", [&started] { started.push_back("y"); });
  a.Release("x");                                          // wakes b
  a.Acquire("z", [&started] { started.push_back("z"); });  // but a takes the room first
  b.Retry();
  EXPECT_EQ(started, (std::vector<std::string>{"x", "z"}));
  a.Release("z");  // b asked again: woken again
  EXPECT_EQ(wakes_b, 2);
  b.Retry();
  EXPECT_EQ(started.back(), "y");
}

// A reload that lowers the total: ending sessions give their places back
// until the count is under it, then waiters start again.
TEST(ConcurrencyLimiter, ALowerTotalTakesEffectWhileWorkWaits) {
  SessionLimit total(2);
  ConcurrencyLimiter limiter(10, &total, [&limiter] { limiter.Retry(); });  // its loop's Post, inline
  std::vector<std::string> started;
  for (const char* d : {"a", "b", "c"}) limiter.Acquire(d, [&started, d] { started.push_back(d); });
  EXPECT_EQ(started, (std::vector<std::string>{"a", "b"}));
  total.SetLimit(1);
  limiter.Release("a");  // 2 ran, 1 allowed: c still waits
  EXPECT_EQ(started.size(), 2u);
  EXPECT_EQ(limiter.active(), 1u);
  limiter.Release("b");
  EXPECT_EQ(started.back(), "c");
  EXPECT_EQ(limiter.active(), 1u);
}

}  // namespace
}  // namespace mxd
