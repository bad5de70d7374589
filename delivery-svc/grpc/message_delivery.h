// One message on its way through delivery-svc, whichever call brought it
// (a Deliver call, or one message of a DeliverStream): the envelope's
// checks, the spool, a concurrency slot, the delivery attempt and the
// answer. The calls (delivery_service.cc, deliver_stream.cc) only move
// requests and answers; no gRPC types here.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/net/event_loop.h"
#include "delivery-svc/engine/delivery_attempt.h"
#include "delivery-svc/engine/delivery_job.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "delivery-svc/engine/event_loops.h"
#include "delivery-svc/engine/message_spool.h"
#include "mxd/v1/delivery.pb.h"

namespace mxd {

class MessageDelivery;

// What every message in the process shares: the event loops and what
// belongs to their threads, and the counters behind the request limits.
struct DeliveryResources {
  explicit DeliveryResources(EventLoops* event_loops) : loops(event_loops), states(event_loops->size()) {}
  EventLoops* loops;
  // Per event loop, on its thread: after SIGTERM; the deliveries running.
  struct LoopState {
    bool draining = false;
    absl::flat_hash_set<MessageDelivery*> running;
  };
  std::vector<LoopState> states;
  // Messages accepted and not yet answered (delivery_pending_request_limit).
  std::atomic<size_t> messages{0};
};

class MessageDelivery : public std::enable_shared_from_this<MessageDelivery> {
 public:
  // The one answer for the message. `status` OK: `response` holds one
  // outcome per recipient. Otherwise the message's failure;
  // `smtp_may_have_started` false means nothing went out over SMTP.
  struct Answer {
    absl::Status status;
    bool smtp_may_have_started = false;
    v1::DeliverResponse response;
  };
  using AnswerFn = absl::AnyInvocable<void(Answer)>;

  // Counts against delivery_pending_request_limit for its whole life:
  // RESOURCE_EXHAUSTED when that is reached. `caller` names the peer in
  // log lines; `deadline` is the caller's (InfiniteFuture for none).
  static absl::StatusOr<std::shared_ptr<MessageDelivery>> Create(
      DeliveryResources* resources, std::shared_ptr<const DeliverySettings> settings, absl::Time deadline,
      std::string caller);
  ~MessageDelivery();
  MessageDelivery(const MessageDelivery&) = delete;
  MessageDelivery& operator=(const MessageDelivery&) = delete;

  // The receiving thread, in this order: the envelope (checked, its routes'
  // signature too, and its spool reserved), the content in pieces, then
  // Finish. An error from any of them is the message's answer: nothing
  // was sent, and the caller discards the object.
  absl::Status Begin(v1::Envelope envelope);
  // Takes the content: a message that arrives whole is kept as it came.
  absl::Status Append(std::string&& content);
  // The content is complete: the delivery goes to the event loop, and
  // `answer` is called there exactly once (unless an error is returned).
  absl::Status Finish(AnswerFn answer);

  // Any thread: runs `task` on the message's event loop (its next hop's),
  // false (and `task` dropped) while Finish has not chosen it yet.
  bool PostToLoop(EventLoop::Task task);

  // Loop thread. Cancel: a message waiting for a slot is answered
  // CANCELLED at once; a running delivery defers what the server has not
  // yet accepted and answers with its outcomes. Abandon: the service is
  // going away (the same, with that reason).
  void Cancel();
  void Abandon();
  // Loop thread: SMTP traffic may have carried the message.
  bool smtp_started() const { return attempt_ != nullptr; }
  // Any thread: Cancel was called (or MarkCancelled, before Finish).
  void MarkCancelled() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

  // The receiving thread: the content so far, and what the envelope declared.
  uint64_t received() const { return spool_ ? spool_->size() : 0; }
  uint64_t declared() const { return envelope_.message_size(); }

 private:
  MessageDelivery(DeliveryResources* resources, std::shared_ptr<const DeliverySettings> settings,
                  absl::Time deadline, std::string caller)
      : resources_(resources),
        settings_(std::move(settings)),
        deadline_(deadline),
        caller_(std::move(caller)),
        start_(absl::Now()) {}
  void ReleaseLimits();
  // Set once by Finish: its next hop's loop, and that loop's state.
  EventLoops::Loop& loop() { return resources_->loops->at(static_cast<size_t>(loop_index_.load())); }
  DeliveryResources::LoopState& state() {
    return resources_->states[static_cast<size_t>(loop_index_.load())];
  }
  void StartDelivery(const std::string& key);
  void Report(DeliveryResult result);
  void LoopDone(absl::Status status, v1::DeliverResponse response = v1::DeliverResponse());

  DeliveryResources* resources_;
  std::shared_ptr<const DeliverySettings> settings_;  // as when it came: a reload does not change it
  absl::Time deadline_;
  std::string caller_;
  absl::Time start_;
  v1::Envelope envelope_;
  std::vector<std::string> bad_recipients_;  // CheckEnvelope's, until Finish moves it into job_
  std::unique_ptr<MessageSpool> spool_;
  uint64_t spool_reservation_ = 0;  // of settings_->spool_budget, given back with the spool
  bool released_ = false;           // resources_->messages given back
  std::atomic<bool> cancelled_{false};
  std::atomic<int> loop_index_{-1};  // of resources_->loops, from Finish on
  // Loop thread, from Finish on.
  AnswerFn answer_;
  DeliveryJob job_;
  std::unique_ptr<DeliveryAttempt> attempt_;
  std::string key_;
  bool holding_slot_ = false;
  bool waiting_ = false;  // for a concurrency slot
  uint64_t ticket_ = 0;   // the limiter's, while waiting
  bool loop_done_ = false;
};

}  // namespace mxd
