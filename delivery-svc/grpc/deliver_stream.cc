// Delivery.DeliverStream: many messages on one call, their parts
// interleaved, each a MessageDelivery like a Deliver call's, each answered
// by one StreamResponse as soon as it is decided.
//
// Flow control: a stream may have delivery_stream_message_limit messages
// awaiting their response (in reception, delivering, or answered and not
// yet written to the caller); a message beyond that is refused with
// RESOURCE_EXHAUSTED, the others carry on. While that many responses wait
// for a caller that does not read them, the stream is not read either, so
// what one stream makes the service hold stays bounded.
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/tsan_handoff.h"
#include "delivery-svc/grpc/delivery_service.h"

namespace mxd {
namespace {

v1::StreamResponse Failure(uint64_t id, const absl::Status& status, bool nothing_sent) {
  v1::StreamResponse r;
  r.set_id(id);
  r.set_code(static_cast<int32_t>(status.code()));
  r.set_error(std::string(status.message()));
  r.set_nothing_sent(nothing_sent);
  return r;
}

class DeliverStreamCall final : public grpc::ServerBidiReactor<v1::StreamRequest, v1::StreamResponse> {
 public:
  DeliverStreamCall(DeliveryService* service, grpc::CallbackServerContext* context)
      : service_(service),
        context_(context),
        settings_(service->settings()),
        deadline_(CallDeadline(*context)),
        caller_(context->peer()) {
    if (grpc::Status s = service_->CheckCaller(context_); !s.ok()) {
      Perform(Done(s));
      return;
    }
    context_->AddInitialMetadata(kAcceptedMetadata, "1");
    context_->AddInitialMetadata(kStreamMessageLimitMetadata, absl::StrCat(settings_->stream_message_limit));
    StartSendInitialMetadata();
    MXD_TSAN_RELEASE(this);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    MXD_TSAN_ACQUIRE(this);
    if (!ok) {  // the caller has sent everything (or is gone)
      Next next;
      {
        std::lock_guard<std::mutex> lock(mu_);
        reads_done_ = true;
        EndReception();
        next = Decide();
      }
      return Perform(next);
    }
    Take(&request_);
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      next = Decide();
      if (reads_done_ || next.finish || finished_ || cancelled_ || write_failed_) {
        // stopped on a protocol error, or over
      } else if (outbox_.size() >= settings_->stream_message_limit) {
        read_paused_ = true;  // OnWriteDone reads on once the caller caught up
      } else {
        next.read = true;
      }
    }
    Perform(next);
  }

  void OnWriteDone(bool ok) override {
    MXD_TSAN_ACQUIRE(this);
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      outbox_.pop_front();
      writing_ = false;
      if (!ok) write_failed_ = true;  // the caller is gone: OnCancel follows
      next = Decide();
      if (read_paused_ && !reads_done_ && !next.finish && outbox_.size() < settings_->stream_message_limit) {
        read_paused_ = false;
        next.read = true;
      }
    }
    Perform(next);
  }

  // The caller cancelled, its deadline passed or it vanished: messages not
  // yet delivering are dropped; running ones defer what the server has not
  // accepted, and their outcomes reach the log only.
  void OnCancel() override {
    MXD_TSAN_ACQUIRE(this);
    std::vector<std::shared_ptr<MessageDelivery>> running, dropped;
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      // Those still arriving give their spool and slots back now (outside
      // the lock); the delivering ones answer, into the void.
      for (auto it = messages_.begin(); it != messages_.end();) {
        it->second.delivery->MarkCancelled();
        if (it->second.delivering) {
          running.push_back((it++)->second.delivery);
        } else {
          dropped.push_back(std::move(it->second.delivery));
          messages_.erase(it++);
        }
      }
      if (!finish_status_)
        finish_status_ = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the caller");
      next = Decide();
    }
    for (auto& d : running) d->PostToLoop([d] { d->Cancel(); });
    Perform(next);
  }

  void OnDone() override {
    MXD_TSAN_ACQUIRE(this);
    Unref();
  }

 private:
  struct InFlight {
    std::shared_ptr<MessageDelivery> delivery;
    bool delivering = false;  // Finish was called: the loop will answer
  };

  // One request: a message's envelope, content, end or cancellation. The
  // receiving work (checks, spooling) runs on this gRPC thread, outside
  // the lock; only this thread adds messages or feeds them content.
  void Take(v1::StreamRequest* req) {
    const uint64_t id = req->id();
    std::shared_ptr<MessageDelivery> delivery;
    bool delivering = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (auto it = messages_.find(id); it != messages_.end()) {
        delivery = it->second.delivery;
        delivering = it->second.delivering;
      }
    }
    if (req->cancel()) {
      if (!delivery) return;  // answered already
      if (delivering) {
        if (delivery->cancelled()) return;  // asked before: once is enough
        delivery->MarkCancelled();
        delivery->PostToLoop([delivery] { delivery->Cancel(); });
        return;
      }
      return Answer(id, Failure(id, absl::CancelledError("cancelled by the caller"), true));
    }
    if (req->has_envelope()) {
      if (delivery) {  // the caller's ids no longer say which message is which
        return StopReading(
            grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                         absl::StrCat("message id ", id,
                                      " has an envelope while an earlier message with that id awaits its "
                                      "response; the stream reads no more")));
      }
      delivery = Admit(id, req);
      if (!delivery) return;
    } else if (!delivery || delivering) {
      // Parts of a message answered already (refused, or cancelled): the
      // caller learns of it from that answer; nothing to do.
      return;
    }
    if (absl::Status s = delivery->Append(std::move(*req->mutable_content())); !s.ok()) {
      return Answer(id, Failure(id, s, true));
    }
    if (!req->last()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = messages_.find(id);
      if (it == messages_.end()) return;  // dropped by a cancellation meanwhile
      it->second.delivering = true;
      refs_.fetch_add(1);  // the loop's, until the answer
    }
    absl::Status s = delivery->Finish([this, id](MessageDelivery::Answer a) {
      if (a.status.ok()) {
        v1::StreamResponse r;
        r.set_id(id);
        *r.mutable_result() = std::move(a.response);
        Answer(id, std::move(r));
      } else {
        Answer(id, Failure(id, a.status, !a.smtp_may_have_started));
      }
      Unref();
    });
    if (!s.ok()) {
      refs_.fetch_sub(1);
      Answer(id, Failure(id, s, true));
    }
  }

  // A new message: within the stream's limit and the service's, its
  // envelope checked and its spool made; else answered with the reason.
  std::shared_ptr<MessageDelivery> Admit(uint64_t id, v1::StreamRequest* req) {
    size_t awaiting;
    {
      // The response being written is no longer counted: the caller may
      // have read it (and sent the next message) before OnWriteDone.
      std::lock_guard<std::mutex> lock(mu_);
      awaiting = messages_.size() + outbox_.size() - (writing_ ? 1 : 0);
    }
    if (awaiting >= settings_->stream_message_limit) {
      Answer(id, Failure(id,
                         absl::ResourceExhaustedError(absl::StrCat(
                             "more than delivery_stream_message_limit = ", settings_->stream_message_limit,
                             " messages of this stream await their response")),
                         true));
      return nullptr;
    }
    absl::Time deadline = deadline_;
    if (req->has_timeout()) {
      const absl::Duration timeout =
          absl::Seconds(req->timeout().seconds()) + absl::Nanoseconds(req->timeout().nanos());
      if (timeout <= absl::ZeroDuration()) {
        Answer(id, Failure(id, absl::InvalidArgumentError("the message's timeout must be positive"), true));
        return nullptr;
      }
      deadline = std::min(deadline, absl::Now() + timeout);
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_ || finished_) return nullptr;  // nobody to answer: nothing taken
    }
    auto delivery = MessageDelivery::Create(service_->resources(), settings_, deadline, caller_);
    if (!delivery.ok()) {
      Answer(id, Failure(id, delivery.status(), true));
      return nullptr;
    }
    if (absl::Status s = (*delivery)->Begin(std::move(*req->mutable_envelope())); !s.ok()) {
      Answer(id, Failure(id, s, true));
      return nullptr;
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return nullptr;  // dropped: no answer reaches a cancelled call
    messages_[id] = InFlight{*delivery, false};
    return *delivery;
  }

  // The message's one answer (it leaves messages_, if it was there).
  void Answer(uint64_t id, v1::StreamResponse response) {
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      messages_.erase(id);
      if (!finished_ && !cancelled_ && !write_failed_) outbox_.push_back(std::move(response));
      next = Decide();
    }
    Perform(next);
  }

  void StopReading(grpc::Status status) {
    std::lock_guard<std::mutex> lock(mu_);
    reads_done_ = true;
    if (!finish_status_) finish_status_ = std::move(status);
    EndReception();
  }

  // Nothing more will be read: messages whose content is incomplete can
  // never be delivered, and are answered so (nothing was sent).
  void EndReception() {
    for (auto it = messages_.begin(); it != messages_.end();) {
      if (it->second.delivering) {
        ++it;
        continue;
      }
      const MessageDelivery& d = *it->second.delivery;
      if (!cancelled_ && !write_failed_) {
        outbox_.push_back(Failure(it->first,
                                  absl::InvalidArgumentError(absl::StrCat(
                                      "the stream ended after ", d.received(), " of ", d.declared(),
                                      " declared octets of this message; nothing was sent")),
                                  true));
      }
      messages_.erase(it++);
    }
  }

  // What to ask of gRPC once mu_ is released (gRPC is never called with it
  // held): at most one write at a time, the end of the call once.
  struct Next {
    bool read = false;
    v1::StreamResponse* write = nullptr;
    // More responses wait behind this one: gRPC may hold it back and send
    // them together (the last of a run goes without, and flushes them).
    bool more_follow = false;
    std::optional<grpc::Status> finish;
  };

  // With mu_ held: the next write, or the end of the call once every
  // message was answered (at once after a cancellation).
  Next Decide() {
    Next next;
    if (finished_ || writing_) return next;
    if (!outbox_.empty() && !cancelled_ && !write_failed_) {
      writing_ = true;
      next.write = &outbox_.front();  // stays put until OnWriteDone pops it
      next.more_follow = outbox_.size() > 1;
      return next;
    }
    const bool everything_answered = reads_done_ && messages_.empty() && outbox_.empty();
    if (cancelled_ || write_failed_ || everything_answered)
      next = Done(finish_status_.value_or(grpc::Status::OK));
    return next;
  }

  Next Done(grpc::Status status) {
    finished_ = true;
    Next next;
    next.finish = std::move(status);
    return next;
  }

  void Perform(const Next& next) {
    MXD_TSAN_RELEASE(this);
    if (next.write)
      StartWrite(next.write,
                 next.more_follow ? grpc::WriteOptions().set_buffer_hint() : grpc::WriteOptions());
    if (next.read) StartRead(&request_);
    if (next.finish) Finish(*next.finish);
  }

  void Unref() {
    if (refs_.fetch_sub(1) == 1) delete this;
  }

  DeliveryService* service_;
  grpc::CallbackServerContext* context_;
  std::shared_ptr<const DeliverySettings> settings_;  // as when the stream began
  absl::Time deadline_;                               // the stream's
  std::string caller_;
  v1::StreamRequest request_;  // the read in progress (one at a time)
  // std::mutex rather than absl::Mutex: Debian's Abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex ordering.
  std::mutex mu_;
  absl::flat_hash_map<uint64_t, InFlight> messages_;
  // Responses not yet written; the front is being written while writing_.
  std::deque<v1::StreamResponse> outbox_;
  bool writing_ = false;
  bool read_paused_ = false;
  bool reads_done_ = false;
  bool cancelled_ = false;
  bool write_failed_ = false;
  bool finished_ = false;
  std::optional<grpc::Status> finish_status_;
  std::atomic<int> refs_{1};  // gRPC's reference, released in OnDone
};

}  // namespace

grpc::ServerBidiReactor<v1::StreamRequest, v1::StreamResponse>* DeliveryService::DeliverStream(
    grpc::CallbackServerContext* context) {
  return new DeliverStreamCall(this, context);
}

}  // namespace mxd
