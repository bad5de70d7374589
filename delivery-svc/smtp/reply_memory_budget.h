// delivery_reply_memory_limit: the bytes of server replies that all
// sessions of a process together may hold while the replies are incomplete.
// One reply is capped at ReplyParser::kMaxReplyBytes; this caps the sum, so
// many slow servers each trickling a long reply cannot add up to more.
// Shared by every session (thread-safe); a parser takes what it holds and
// gives it back as replies complete or the session ends.
#pragma once

#include <atomic>
#include <cstddef>

namespace mxd {

class ReplyMemoryBudget {
 public:
  explicit ReplyMemoryBudget(size_t limit) : limit_(limit) {}
  ReplyMemoryBudget(const ReplyMemoryBudget&) = delete;
  ReplyMemoryBudget& operator=(const ReplyMemoryBudget&) = delete;

  // False, and nothing taken, when `n` more would exceed the limit.
  bool Take(size_t n) {
    size_t used = in_use_.load(std::memory_order_relaxed);
    do {
      if (used + n > limit_.load(std::memory_order_relaxed)) return false;
    } while (!in_use_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
    return true;
  }
  void Give(size_t n) { in_use_.fetch_sub(n, std::memory_order_relaxed); }

  // A reload: sessions already holding more keep it until they give it back.
  void SetLimit(size_t limit) { limit_.store(limit, std::memory_order_relaxed); }
  size_t limit() const { return limit_.load(std::memory_order_relaxed); }
  size_t in_use() const { return in_use_.load(std::memory_order_relaxed); }

 private:
  std::atomic<size_t> limit_;
  std::atomic<size_t> in_use_{0};
};

}  // namespace mxd
