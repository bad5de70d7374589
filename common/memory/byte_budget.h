// A number of bytes that many holders together may not exceed, taken and
// given back as they hold more or less (thread-safe). delivery-svc has one
// for the replies its sessions hold (delivery_reply_memory_limit) and one
// for the messages it keeps in memory (delivery_memory_spool_size_limit).
#pragma once

#include <atomic>
#include <cstddef>

namespace mxd {

class ByteBudget {
 public:
  explicit ByteBudget(size_t limit) : limit_(limit) {}
  ByteBudget(const ByteBudget&) = delete;
  ByteBudget& operator=(const ByteBudget&) = delete;

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
