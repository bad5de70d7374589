#include "delivery-svc/grpc/delivery_service.h"

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "common/grpc/tsan_handoff.h"
#include "common/log/json_log.h"

namespace mxd {

// One Deliver call: the envelope, then the content, then the answer. Lives
// until gRPC is done with it (OnDone) and the loop is done with its message
// (answered, or never handed over).
class DeliverCall final : public grpc::ServerReadReactor<v1::DeliverRequest> {
 public:
  DeliverCall(DeliveryService* service, grpc::CallbackServerContext* context, v1::DeliverResponse* response)
      : service_(service), context_(context), response_(response) {
    if (grpc::Status s = service_->CheckCaller(context_); !s.ok()) {
      Reply(s);
      return;
    }
    auto delivery = MessageDelivery::Create(service_->resources(), service_->settings(),
                                            CallDeadline(*context_), context_->peer());
    if (!delivery.ok()) {
      Reply(ToGrpcStatus(delivery.status()));
      return;
    }
    delivery_ = *std::move(delivery);
    // Tells the client the call reached the service: from here on a
    // failure without kNothingSentTrailer leaves the outcome unknown.
    context_->AddInitialMetadata(kAcceptedMetadata, "1");
    StartSendInitialMetadata();
    MXD_TSAN_RELEASE(this);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    MXD_TSAN_ACQUIRE(this);
    if (replied_) return;
    if (!ok) return EndOfStream();
    absl::Status s;
    if (!have_envelope_) {
      if (request_.part_case() != v1::DeliverRequest::kEnvelope) {
        return Reply(Invalid("the first message of the stream must be the envelope"));
      }
      have_envelope_ = true;
      s = delivery_->Begin(std::move(*request_.mutable_envelope()));
    } else {
      if (request_.part_case() != v1::DeliverRequest::kChunk) {
        return Reply(Invalid("only message chunks may follow the envelope"));
      }
      s = delivery_->Append(std::move(*request_.mutable_chunk()));
    }
    if (!s.ok()) return Reply(ToGrpcStatus(s));
    MXD_TSAN_RELEASE(this);
    StartRead(&request_);
  }

  // The caller cancelled, its deadline passed or it vanished. What was
  // decided is still logged; a final "." already sent waits for its reply
  // (the attempt keeps running, and its answer reaches only the log).
  void OnCancel() override {
    MXD_TSAN_ACQUIRE(this);
    cancelled_.store(true);
    if (!delivery_) return;
    delivery_->MarkCancelled();  // before its loop is chosen: Finish sees it
    refs_.fetch_add(1);          // kept alive until the posted task ran
    const bool posted = delivery_->PostToLoop([this] {
      const grpc::Status cancelled(grpc::StatusCode::CANCELLED, "cancelled by the caller");
      if (delivery_->smtp_started()) Reply(cancelled, /*smtp_may_have_started=*/true);
      delivery_->Cancel();
      Unref();
    });
    if (!posted) Unref();
  }

  void OnDone() override {
    MXD_TSAN_ACQUIRE(this);
    Unref();
  }

 private:
  static grpc::Status Invalid(absl::string_view why) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(why));
  }

  // A failure before any SMTP traffic carries the trailer that lets a
  // client send the message to another replica (docs/clients.md).
  void Reply(const grpc::Status& status, bool smtp_may_have_started = false) {
    if (replied_.exchange(true)) return;
    if (!status.ok() && !smtp_may_have_started) context_->AddTrailingMetadata(kNothingSentTrailer, "1");
    MXD_TSAN_RELEASE(this);
    Finish(status);
  }

  void Unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  void EndOfStream() {
    if (!have_envelope_) return Reply(Invalid("the stream ended before the envelope"));
    if (cancelled_.load()) return Reply(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the caller"));
    refs_.fetch_add(1);  // the loop's, until the answer
    absl::Status s = delivery_->Finish([this](MessageDelivery::Answer answer) {
      // A cancelled call was answered already: the response belongs to
      // gRPC again, and the log is the only record.
      if (!replied_.load()) {
        if (answer.status.ok()) *response_ = std::move(answer.response);
        Reply(ToGrpcStatus(answer.status), answer.smtp_may_have_started);
      }
      Unref();
    });
    if (!s.ok()) {
      refs_.fetch_sub(1);
      Reply(ToGrpcStatus(s));
    }
  }

  DeliveryService* service_;
  grpc::CallbackServerContext* context_;
  v1::DeliverResponse* response_;
  v1::DeliverRequest request_;
  bool have_envelope_ = false;
  std::shared_ptr<MessageDelivery> delivery_;  // set before any callback, then never changed
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> replied_{false};
  std::atomic<int> refs_{1};  // gRPC's reference, released in OnDone
};

absl::Time CallDeadline(const grpc::CallbackServerContext& context) {
  // No deadline is gRPC's infinite future, past what absl::Time converts.
  const auto deadline = context.deadline();
  return deadline > std::chrono::system_clock::now() + std::chrono::hours(24 * 365)
             ? absl::InfiniteFuture()
             : absl::FromChrono(deadline);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

void DeliveryService::Drain(absl::Duration grace) {
  LogInfo("draining", {{"program", "delivery-svc"}},
          {{"deliveries_in_progress", static_cast<double>(resources_.messages.load())},
           {"grace_seconds", absl::ToDoubleSeconds(grace)}});
  for (size_t i = 0; i < resources_.loops->size(); ++i) {
    EventLoop& loop = resources_.loops->at(i).loop;
    loop.Post([this, i, grace, &loop] {
      resources_.states[i].draining = true;
      if (resources_.states[i].running.empty()) return;
      loop.AddTimer(grace, [this, i] { AbandonRunning(i); });
    });
  }
}

void DeliveryService::AbandonRunning(size_t loop) {
  // Copy: finishing a delivery removes it from `running`.
  const auto& running = resources_.states[loop].running;
  std::vector<MessageDelivery*> copy(running.begin(), running.end());
  for (MessageDelivery* d : copy) d->Abandon();
}

grpc::ServerReadReactor<v1::DeliverRequest>* DeliveryService::Deliver(grpc::CallbackServerContext* context,
                                                                      v1::DeliverResponse* response) {
  return new DeliverCall(this, context, response);
}

}  // namespace mxd
