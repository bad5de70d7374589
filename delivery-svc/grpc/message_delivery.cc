#include "delivery-svc/grpc/message_delivery.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/route_signature_proto.h"
#include "common/log/json_log.h"
#include "common/text/printable.h"
#include "delivery-svc/grpc/deliver_request.h"
#include "delivery-svc/grpc/deliver_response.h"

namespace mxd {
namespace {

constexpr char kShuttingDown[] = "delivery-svc is shutting down; delivery deferred";
constexpr char kCancelled[] = "the caller cancelled the delivery or its deadline expired; delivery deferred";

absl::Status CancelledByCaller() { return absl::CancelledError("cancelled by the caller"); }

}  // namespace

absl::StatusOr<std::shared_ptr<MessageDelivery>> MessageDelivery::Create(
    DeliveryResources* resources, std::shared_ptr<const DeliverySettings> settings, absl::Time deadline,
    std::string caller) {
  const size_t limit = settings->pending_request_limit;
  if (resources->messages.fetch_add(1) + 1 > limit) {
    resources->messages.fetch_sub(1);
    return absl::ResourceExhaustedError(
        absl::StrCat("more than delivery_pending_request_limit = ", limit, " deliveries in progress"));
  }
  return std::shared_ptr<MessageDelivery>(
      new MessageDelivery(resources, std::move(settings), deadline, std::move(caller)));
}

MessageDelivery::~MessageDelivery() {
  spool_.reset();
  ReleaseLimits();
}

void MessageDelivery::ReleaseLimits() {
  settings_->spool_budget->Give(std::exchange(spool_reservation_, 0));
  if (!std::exchange(released_, true)) resources_->messages.fetch_sub(1);
}

absl::Status MessageDelivery::Begin(v1::Envelope envelope) {
  envelope_ = std::move(envelope);
  if (absl::Status s = CheckEnvelope(envelope_, settings_->message_size_limit, &bad_recipients_); !s.ok()) {
    return s;
  }
  if (settings_->route_key) {
    // Before anything is spooled or connected: routes only as resolver-svc gave them.
    absl::Status s = CheckRouteSignature(*settings_->route_key, envelope_, absl::Now());
    if (!s.ok()) {
      LogWarning("route_signature_refused", {{"caller", caller_},
                                             {"queue_id", ValidUtf8(envelope_.queue_id())},
                                             {"nexthop", ValidUtf8(envelope_.nexthop())},
                                             {"error", s.message()}});
      return absl::PermissionDeniedError(s.message());
    }
  }
  if (!settings_->spool_budget->Take(envelope_.message_size())) {
    return absl::ResourceExhaustedError(
        absl::StrCat("delivery_spool_size_limit = ", settings_->spool_size_limit, " bytes reached (",
                     settings_->spool_budget->in_use(), " bytes of messages in progress, this one ",
                     envelope_.message_size(), "); nothing was written"));
  }
  spool_reservation_ = envelope_.message_size();
  auto spool = MessageSpool::Create(settings_->Spool(), envelope_.message_size());
  if (!spool.ok()) return absl::UnavailableError(spool.status().message());
  spool_ = *std::move(spool);
  return absl::OkStatus();
}

absl::Status MessageDelivery::Append(std::string&& content) {
  if (spool_->size() + content.size() > envelope_.message_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the stream carries more than the declared message_size of ", envelope_.message_size(), " octets"));
  }
  if (absl::Status s = spool_->AppendOwned(std::move(content)); !s.ok())
    return absl::UnavailableError(s.message());
  return absl::OkStatus();
}

absl::Status MessageDelivery::Finish(AnswerFn answer) {
  if (spool_->size() != envelope_.message_size()) {
    return absl::InvalidArgumentError(absl::StrCat("the stream ended after ", spool_->size(), " of ",
                                                   envelope_.message_size(),
                                                   " declared octets; nothing was sent"));
  }
  if (cancelled()) return CancelledByCaller();
  // The envelope in the engine's terms; the conversion scan here, not on
  // the event loop.
  job_ = JobFromEnvelope(envelope_, std::move(bad_recipients_), spool_->saw_8bit(), deadline_);
  job_.msg.content = spool_.get();
  PlanJob(*settings_, absl::Now(), &job_);
  ScanForConversion(settings_->session, &job_);
  answer_ = std::move(answer);
  // The next hop's loop; a cancellation from now on is posted there (and
  // one that came before is seen just below or by the posted task).
  loop_index_.store(static_cast<int>(resources_->loops->IndexFor(job_.Destination())));
  std::shared_ptr<MessageDelivery> self = shared_from_this();
  if (job_.msg.recipients.empty()) {  // every address was malformed: nothing to send
    loop().loop.Post([self] { self->Report({}); });
    return absl::OkStatus();
  }
  loop().loop.Post([self] {
    if (self->cancelled()) return self->LoopDone(CancelledByCaller());
    const std::string key = self->job_.Destination();
    self->waiting_ = true;
    self->ticket_ = self->loop().limiter->Acquire(key, [self, key] {
      self->waiting_ = false;
      self->StartDelivery(key);
    });
  });
  return absl::OkStatus();
}

bool MessageDelivery::PostToLoop(EventLoop::Task task) {
  if (loop_index_.load() < 0) return false;
  loop().loop.Post(std::move(task));
  return true;
}

void MessageDelivery::Cancel() {
  MarkCancelled();
  if (attempt_) {
    attempt_->Cancel(kCancelled);
  } else if (waiting_ && loop().limiter->Cancel(ticket_)) {
    waiting_ = false;
    LoopDone(CancelledByCaller());  // leaves the queue now: its spool and request slot go too
  }
}

void MessageDelivery::Abandon() {
  if (attempt_) attempt_->Abandon(kShuttingDown);
}

void MessageDelivery::StartDelivery(const std::string& key) {
  key_ = key;
  holding_slot_ = true;
  if (cancelled()) return LoopDone(CancelledByCaller());
  state().running.insert(this);
  attempt_ = std::make_unique<DeliveryAttempt>(&loop().loop, settings_.get(), loop().cache.get(), key,
                                               job_.routes, &job_.msg, deadline_);
  // Started after SIGTERM (it was waiting for a slot): deferred at once.
  const bool draining = state().draining;
  attempt_->Start([this](DeliveryResult result) { Report(std::move(result)); });
  // Start may have finished it already (no usable address): then attempt_
  // is gone.
  if (draining && attempt_) attempt_->Abandon(kShuttingDown);
}

// One outcome per envelope recipient, in envelope order (the malformed
// addresses bounced, the others as the delivery decided them), logged.
void MessageDelivery::Report(DeliveryResult result) {
  std::vector<RecipientOutcome> outcomes =
      FinishJob(job_, key_.empty() ? job_.nexthop : key_, absl::Now() - start_, std::move(result.outcomes));
  v1::DeliverResponse response;
  AppendOutcomes(job_.recipients, outcomes, result.transcript, &response);
  LoopDone(absl::OkStatus(), std::move(response));
}

void MessageDelivery::LoopDone(absl::Status status, v1::DeliverResponse response) {
  if (loop_done_) return;
  loop_done_ = true;
  state().running.erase(this);
  if (holding_slot_) {
    // Posted, not called: Release starts the next waiter, which may end at
    // once (cancelled, no address) and release in turn; called directly
    // that would nest once per waiter on the loop's stack.
    EventLoops::Loop* l = &loop();
    l->loop.Post([l, key = key_] { l->limiter->Release(key); });
  }
  const bool smtp_started = attempt_ != nullptr;
  loop().loop.DeleteSoon(std::move(attempt_));  // we may be inside its callback
  // Once the attempt is gone (posted tasks run in order), the spool and its
  // share of delivery_spool_size_limit and delivery_pending_request_limit go
  // back before the caller hears the answer: its next message finds them
  // free.
  loop().loop.Post([self = shared_from_this(), status = std::move(status), smtp_started,
                    response = std::move(response)]() mutable {
    self->spool_.reset();
    self->ReleaseLimits();
    AnswerFn answer = std::move(self->answer_);
    answer(Answer{std::move(status), smtp_started, std::move(response)});
  });
}

}  // namespace mxd
