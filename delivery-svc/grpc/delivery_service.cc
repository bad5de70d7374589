#include "delivery-svc/grpc/delivery_service.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/route_signature_proto.h"
#include "common/grpc/tsan_handoff.h"
#include "common/log/json_log.h"
#include "common/text/printable.h"
#include "delivery-svc/engine/delivery_attempt.h"
#include "delivery-svc/engine/delivery_job.h"
#include "delivery-svc/engine/message_spool.h"
#include "delivery-svc/grpc/deliver_request.h"
#include "delivery-svc/grpc/deliver_response.h"

namespace mxd {
// One Deliver call. Lives until gRPC is done with it (OnDone) and the loop
// is done with it (the delivery finished or never started).
class DeliverCall final : public grpc::ServerReadReactor<v1::DeliverRequest> {
  friend class DeliveryService;

 public:
  DeliverCall(DeliveryService* service, grpc::CallbackServerContext* context, v1::DeliverResponse* response,
              absl::Time deadline)
      : service_(service),
        settings_(service->settings()),
        context_(context),
        response_(response),
        start_(absl::Now()),
        deadline_(deadline) {
    const size_t active = service_->active_calls_.fetch_add(1) + 1;
    if (service_->caller_check_) {
      if (grpc::Status s = service_->caller_check_->Check(*context_); !s.ok()) {
        Reply(s);
        return;
      }
    }
    if (active > settings_->pending_request_limit) {
      Reply(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                         absl::StrCat("more than delivery_pending_request_limit = ",
                                      settings_->pending_request_limit, " deliveries in progress")));
      return;
    }
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
    if (!have_envelope_) {
      if (request_.part_case() != v1::DeliverRequest::kEnvelope) {
        return Reply(Invalid("the first message of the stream must be the envelope"));
      }
      envelope_ = std::move(*request_.mutable_envelope());
      if (absl::Status s = CheckEnvelope(envelope_, settings_->message_size_limit, &bad_recipients_); !s.ok())
        return Reply(Invalid(s.message()));
      if (settings_->route_key) {
        // Before anything is spooled or connected: routes only as resolver-svc gave them.
        absl::Status s = CheckRouteSignature(*settings_->route_key, envelope_, absl::Now());
        if (!s.ok()) {
          LogWarning("route_signature_refused", {{"caller", context_->peer()},
                                                 {"queue_id", ValidUtf8(envelope_.queue_id())},
                                                 {"nexthop", ValidUtf8(envelope_.nexthop())},
                                                 {"error", s.message()}});
          return Reply(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, std::string(s.message())));
        }
      }
      if (!service_->ReserveSpool(envelope_.message_size(), settings_->spool_size_limit)) {
        return Reply(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("delivery_spool_size_limit = ", settings_->spool_size_limit, " bytes reached (",
                         service_->spool_reserved_.load(), " bytes of messages in progress, this one ",
                         envelope_.message_size(), "); nothing was written")));
      }
      spool_reservation_ = envelope_.message_size();
      auto spool = MessageSpool::Create(settings_->Spool(), envelope_.message_size());
      if (!spool.ok()) {
        return Reply(grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(spool.status().message())));
      }
      spool_ = *std::move(spool);
      have_envelope_ = true;
    } else {
      if (request_.part_case() != v1::DeliverRequest::kChunk) {
        return Reply(Invalid("only message chunks may follow the envelope"));
      }
      const std::string& chunk = request_.chunk();
      if (spool_->size() + chunk.size() > envelope_.message_size()) {
        return Reply(Invalid(absl::StrCat("the stream carries more than the declared message_size of ",
                                          envelope_.message_size(), " octets")));
      }
      if (absl::Status s = spool_->Append(chunk); !s.ok()) {
        return Reply(grpc::Status(grpc::StatusCode::UNAVAILABLE, std::string(s.message())));
      }
    }
    MXD_TSAN_RELEASE(this);
    StartRead(&request_);
  }

  // The caller cancelled, its deadline passed or it vanished. What was
  // decided is still logged; a final "." already sent waits for its reply
  // (the attempt keeps running, and Report logs what it says).
  void OnCancel() override {
    MXD_TSAN_ACQUIRE(this);
    cancelled_.store(true);
    refs_.fetch_add(1);  // kept alive until the posted task ran
    service_->loop_->Post([this] {
      const grpc::Status cancelled(grpc::StatusCode::CANCELLED, "cancelled by the caller");
      if (attempt_) {
        Reply(cancelled, /*smtp_may_have_started=*/true);  // from here on only the log hears of it
        attempt_->Cancel(kCancelled);
      } else if (waiting_ && service_->limiter_->Cancel(ticket_)) {
        waiting_ = false;
        LoopDone(cancelled);  // leaves the queue now: its spool file and request slot go too
      }
      Unref();
    });
  }

  void OnDone() override {
    MXD_TSAN_ACQUIRE(this);
    service_->active_calls_.fetch_sub(1);
    Unref();
  }

 private:
  static grpc::Status Invalid(absl::string_view why) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(why));
  }

  // A failure before any SMTP traffic carries the trailer that lets a
  // client send the message to another replica (docs/clients.md): every
  // failure but a cancellation during the delivery.
  void Reply(const grpc::Status& status, bool smtp_may_have_started = false) {
    if (replied_.exchange(true)) return;
    if (!status.ok() && !smtp_may_have_started) context_->AddTrailingMetadata(kNothingSentTrailer, "1");
    MXD_TSAN_RELEASE(this);
    Finish(status);
  }

  void Unref() {
    if (refs_.fetch_sub(1) != 1) return;
    service_->spool_reserved_.fetch_sub(spool_reservation_);
    delete this;
  }

  void EndOfStream() {
    if (!have_envelope_) return Reply(Invalid("the stream ended before the envelope"));
    if (spool_->size() != envelope_.message_size()) {
      return Reply(Invalid(absl::StrCat("the stream ended after ", spool_->size(), " of ",
                                        envelope_.message_size(), " declared octets; nothing was sent")));
    }
    if (cancelled_.load()) return Reply(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the caller"));
    Prepare();
    refs_.fetch_add(1);                 // the loop's reference
    if (job_.msg.recipients.empty()) {  // every address was malformed: nothing to send
      service_->loop_->Post([this] { Report({}); });
      return;
    }
    service_->loop_->Post([this] {
      if (cancelled_.load()) {
        return LoopDone(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the caller"));
      }
      const std::string key = job_.Destination();
      waiting_ = true;
      ticket_ = service_->limiter_->Acquire(key, [this, key] {
        waiting_ = false;
        StartDelivery(key);
      });
    });
  }

  // The envelope in the engine's terms.
  void Prepare() {
    job_ = JobFromEnvelope(envelope_, std::move(bad_recipients_), spool_->saw_8bit(), deadline_);
    job_.msg.content = spool_.get();
    PlanJob(*settings_, absl::Now(), &job_);
    ScanForConversion(settings_->session, &job_);  // here, not on the event loop
  }

  // Loop thread: the service is going away; report what is open as deferred.
  void Abandon() {
    if (attempt_) attempt_->Abandon(kShuttingDown);
  }

  // Loop thread.
  void StartDelivery(const std::string& key) {
    key_ = key;
    holding_slot_ = true;
    if (cancelled_.load()) {
      return LoopDone(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the caller"));
    }
    service_->running_.insert(this);
    attempt_ = std::make_unique<DeliveryAttempt>(service_->loop_, settings_.get(), service_->cache_, key,
                                                 job_.routes, &job_.msg, deadline_);
    if (service_->draining_) {
      // Started after SIGTERM (it was waiting for a slot): defer it now.
      attempt_->Start([this](DeliveryResult result) { Report(std::move(result)); });
      return attempt_->Abandon(kShuttingDown);
    }
    attempt_->Start([this](DeliveryResult result) { Report(std::move(result)); });
  }

  static constexpr char kShuttingDown[] = "delivery-svc is shutting down; delivery deferred";
  static constexpr char kCancelled[] =
      "the caller cancelled the delivery or its deadline expired; delivery deferred";

  // Loop thread: one outcome per envelope recipient, in envelope order (the
  // malformed addresses bounced, the others as the delivery decided them).
  void Report(DeliveryResult result) {
    std::vector<RecipientOutcome> outcomes =
        FinishJob(job_, key_.empty() ? job_.nexthop : key_, absl::Now() - start_, std::move(result.outcomes));
    // A cancelled call was answered already: the response belongs to gRPC
    // again, and the log is the only record.
    if (!replied_.load()) AppendOutcomes(job_.recipients, outcomes, result.transcript, response_);
    LoopDone(grpc::Status::OK);
  }

  // Loop thread: the delivery is over (or will not happen).
  void LoopDone(const grpc::Status& status) {
    if (loop_done_) return;
    loop_done_ = true;
    service_->running_.erase(this);
    if (holding_slot_) service_->limiter_->Release(key_);
    service_->loop_->DeleteSoon(std::move(attempt_));  // we may be inside its callback
    // Once the attempt is gone (posted tasks run in order), the spool file
    // and its share of delivery_spool_size_limit go back before the caller
    // hears the answer: its next call finds them free.
    service_->loop_->Post([this, status] {
      spool_.reset();
      service_->spool_reserved_.fetch_sub(std::exchange(spool_reservation_, 0));
      Reply(status);
      Unref();
    });
  }

  DeliveryService* service_;
  std::shared_ptr<const DeliverySettings> settings_;  // as when the call came: a reload does not change it
  grpc::CallbackServerContext* context_;
  v1::DeliverResponse* response_;
  absl::Time start_;
  v1::DeliverRequest request_;
  v1::Envelope envelope_;
  bool have_envelope_ = false;
  std::unique_ptr<MessageSpool> spool_;
  uint64_t spool_reservation_ = 0;           // of DeliveryService::spool_reserved_, given back with the spool
  std::vector<std::string> bad_recipients_;  // CheckEnvelope's, until Prepare() moves it into job_
  DeliveryJob job_;                          // from Prepare() on
  std::unique_ptr<DeliveryAttempt> attempt_;
  std::string key_;
  bool holding_slot_ = false;
  bool waiting_ = false;  // for a concurrency slot (loop thread)
  uint64_t ticket_ = 0;   // the limiter's, while waiting
  absl::Time deadline_;   // the caller's; InfiniteFuture when it set none
  bool loop_done_ = false;
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> replied_{false};
  std::atomic<int> refs_{1};  // gRPC's reference, released in OnDone
};

bool DeliveryService::ReserveSpool(uint64_t bytes, uint64_t limit) {
  uint64_t in_use = spool_reserved_.load();
  do {
    if (limit > 0 && in_use + bytes > limit) return false;
  } while (!spool_reserved_.compare_exchange_weak(in_use, in_use + bytes));
  return true;
}

void DeliveryService::Drain(absl::Duration grace) {
  loop_->Post([this, grace] {
    draining_ = true;
    LogInfo("draining", {{"program", "delivery-svc"}},
            {{"deliveries_in_progress", static_cast<double>(running_.size())},
             {"grace_seconds", absl::ToDoubleSeconds(grace)}});
    if (running_.empty()) return;
    loop_->AddTimer(grace, [this] { AbandonRunning(); });
  });
}

void DeliveryService::AbandonRunning() {
  // Copy: finishing a call removes it from running_.
  std::vector<DeliverCall*> calls(running_.begin(), running_.end());
  for (DeliverCall* c : calls) c->Abandon();
}

grpc::ServerReadReactor<v1::DeliverRequest>* DeliveryService::Deliver(grpc::CallbackServerContext* context,
                                                                      v1::DeliverResponse* response) {
  // No deadline is gRPC's infinite future, past what absl::Time converts.
  const auto deadline = context->deadline();
  const absl::Time when = deadline > std::chrono::system_clock::now() + std::chrono::hours(24 * 365)
                              ? absl::InfiniteFuture()
                              : absl::FromChrono(deadline);
  return new DeliverCall(this, context, response, when);
}

}  // namespace mxd
