// The gRPC face of delivery-svc: Deliver (one message per call) and
// DeliverStream (many per call, deliver_stream.cc) hand each message to a
// MessageDelivery (message_delivery.h), which checks, spools and delivers
// it within the limits; one outcome per recipient comes back.
#pragma once

#include <atomic>
#include <memory>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/config/settings_slot.h"
#include "common/grpc/caller_check.h"
#include "common/grpc/delivery_metadata.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "delivery-svc/engine/event_loops.h"
#include "delivery-svc/grpc/message_delivery.h"
#include "mxd/v1/delivery.grpc.pb.h"

namespace mxd {

class DeliveryService final : public v1::Delivery::CallbackService {
 public:
  DeliveryService(EventLoops* loops, std::shared_ptr<const DeliverySettings> settings)
      : settings_(std::move(settings)), resources_(loops) {}

  // The settings new messages get (a reload); messages in progress keep theirs.
  void SetSettings(std::shared_ptr<const DeliverySettings> settings) { settings_.Set(std::move(settings)); }
  std::shared_ptr<const DeliverySettings> settings() const { return settings_.Get(); }

  // Mutual TLS: each call's client certificate is checked here (set
  // before the server starts; null without --tls-client-ca).
  void SetCallerCheck(std::shared_ptr<const CallerCheck> check) { caller_check_ = std::move(check); }
  grpc::Status CheckCaller(grpc::CallbackServerContext* context) const {
    return caller_check_ ? caller_check_->Check(*context) : grpc::Status::OK;
  }

  grpc::ServerReadReactor<v1::DeliverRequest>* Deliver(grpc::CallbackServerContext* context,
                                                       v1::DeliverResponse* response) override;
  grpc::ServerBidiReactor<v1::StreamRequest, v1::StreamResponse>* DeliverStream(
      grpc::CallbackServerContext* context) override;

  // Any thread, on SIGTERM: deliveries in progress get until `grace` to
  // finish; then every recipient still open is deferred and reported.
  // Deliveries that have not started are deferred at once.
  void Drain(absl::Duration grace);

  DeliveryResources* resources() { return &resources_; }

 private:
  void AbandonRunning(size_t loop);
  SettingsSlot<DeliverySettings> settings_;
  std::shared_ptr<const CallerCheck> caller_check_;
  DeliveryResources resources_;
};

// The caller's deadline in absl terms (InfiniteFuture for none).
absl::Time CallDeadline(const grpc::CallbackServerContext& context);
// A message's failure as the call's status.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace mxd
