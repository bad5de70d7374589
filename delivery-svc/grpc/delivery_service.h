// The gRPC face of delivery-svc: reads the envelope and the message chunks
// of a Deliver stream, checks them, spools the content, and hands the
// delivery to the event loop (within the concurrency limits); answers with
// one outcome per recipient.
#pragma once

#include <atomic>
#include <memory>

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "common/config/settings_slot.h"
#include "common/grpc/caller_check.h"
#include "common/grpc/delivery_metadata.h"
#include "common/net/event_loop.h"
#include "delivery-svc/engine/concurrency_limiter.h"
#include "delivery-svc/engine/connection_cache.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "mxd/v1/delivery.grpc.pb.h"

namespace mxd {

class DeliverCall;

class DeliveryService final : public v1::Delivery::CallbackService {
 public:
  // `limiter` and `cache` belong to `loop`'s thread.
  DeliveryService(EventLoop* loop, std::shared_ptr<const DeliverySettings> settings,
                  ConcurrencyLimiter* limiter, ConnectionCache* cache)
      : loop_(loop), settings_(std::move(settings)), limiter_(limiter), cache_(cache) {}

  // The settings new calls get (a reload); calls in progress keep theirs.
  void SetSettings(std::shared_ptr<const DeliverySettings> settings) { settings_.Set(std::move(settings)); }
  std::shared_ptr<const DeliverySettings> settings() const { return settings_.Get(); }

  // Mutual TLS: each call's client certificate is checked here (set
  // before the server starts; null without --tls-client-ca).
  void SetCallerCheck(std::shared_ptr<const CallerCheck> check) { caller_check_ = std::move(check); }

  grpc::ServerReadReactor<v1::DeliverRequest>* Deliver(grpc::CallbackServerContext* context,
                                                       v1::DeliverResponse* response) override;

  // Any thread, on SIGTERM: deliveries in progress get until `grace` to
  // finish; then every recipient still open is deferred and reported.
  // Deliveries that have not started are deferred at once.
  void Drain(absl::Duration grace);

 private:
  friend class DeliverCall;
  void AbandonRunning();
  EventLoop* loop_;
  SettingsSlot<DeliverySettings> settings_;
  std::shared_ptr<const CallerCheck> caller_check_;
  ConcurrencyLimiter* limiter_;
  ConnectionCache* cache_;
  std::atomic<size_t> active_calls_{0};
  // Bytes of spool the calls in progress may fill (their message_size):
  // delivery_spool_size_limit is checked against it before writing.
  std::atomic<uint64_t> spool_reserved_{0};
  bool ReserveSpool(uint64_t bytes, uint64_t limit);
  // Loop thread.
  bool draining_ = false;
  absl::flat_hash_set<DeliverCall*> running_;
};

}  // namespace mxd
