#include "delivery-svc/engine/event_loops.h"

#include <algorithm>

#include "absl/hash/hash.h"

namespace mxd {

EventLoops::EventLoops(size_t count, const DeliverySettings& settings) : sessions_(settings.session_limit) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < count; ++i) {
    auto l = std::make_unique<Loop>();
    Loop* raw = l.get();
    l->limiter = std::make_unique<ConcurrencyLimiter>(
        settings.concurrency_limit, &sessions_, [raw] { raw->loop.Post([raw] { raw->limiter->Retry(); }); });
    l->cache = std::make_unique<ConnectionCache>(&l->loop, settings.connection_cache,
                                                 settings.cache_time_limit, settings.reuse_time_limit);
    loops_.push_back(std::move(l));
  }
}

EventLoops::~EventLoops() { Stop(); }

void EventLoops::Start() {
  for (auto& l : loops_) l->thread = std::thread([raw = l.get()] { raw->loop.Run(); });
}

void EventLoops::Stop() {
  for (auto& l : loops_) l->loop.Stop();
  for (auto& l : loops_) {
    if (l->thread.joinable()) l->thread.join();
  }
}

size_t EventLoops::IndexFor(absl::string_view destination) const {
  return loops_.size() == 1 ? 0 : absl::HashOf(destination) % loops_.size();
}

void EventLoops::SetLimits(size_t per_destination, size_t total) {
  sessions_.SetLimit(total);
  for (auto& l : loops_) {
    l->loop.Post([raw = l.get(), per_destination] { raw->limiter->SetPerDestinationLimit(per_destination); });
  }
}

void EventLoops::CloseCachedConnections() {
  for (auto& l : loops_) l->loop.Post([raw = l.get()] { raw->cache->CloseAll(); });
}

}  // namespace mxd
