#include "delivery-svc/grpc/delivery_service.h"

#include <arpa/inet.h>

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/route_signature_proto.h"
#include "common/grpc/tsan_handoff.h"
#include "common/log/json_log.h"
#include "common/nexthop/domain_name.h"
#include "common/text/printable.h"
#include "delivery-svc/engine/delivery_attempt.h"
#include "delivery-svc/engine/message_spool.h"
#include "delivery-svc/grpc/deliver_response.h"
#include "delivery-svc/smtp/envelope_check.h"

namespace mxd {
namespace {

bool IsIpAddress(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

absl::Status CheckEnvelope(const v1::Envelope& e, uint64_t message_size_limit,
                           std::vector<std::string>* bad_recipients) {
  bad_recipients->assign(static_cast<size_t>(e.recipients_size()), "");
  auto bad = [](absl::string_view why) { return absl::InvalidArgumentError(std::string(why)); };
  if (message_size_limit != 0 && e.message_size() > message_size_limit) {
    return bad(absl::StrCat("message_size ", e.message_size(),
                            " exceeds message_size_limit = ", message_size_limit));
  }
  if (absl::Status s = CheckAddress(e.sender(), true, e.smtputf8()); !s.ok()) {
    return bad(absl::StrCat("sender: ", s.message()));
  }
  if (e.recipients().empty()) return bad("no recipients");
  if (static_cast<size_t>(e.recipients_size()) > kMaxRecipientsPerRequest) {
    return bad(absl::StrCat("more than ", kMaxRecipientsPerRequest, " recipients"));
  }
  for (int i = 0; i < e.recipients_size(); ++i) {
    const v1::Recipient& r = e.recipients(i);
    if (absl::Status s = CheckAddressOctets(r.address(), e.smtputf8()); !s.ok()) {
      return bad(absl::StrCat("recipient ", i + 1, ": ", s.message()));
    }
    // A malformed address is that recipient's own bounce, as a mistyped
    // address is in Postfix, not a refusal of everyone else's mail.
    if (absl::Status s = CheckAddress(r.address(), false, e.smtputf8()); !s.ok()) {
      (*bad_recipients)[static_cast<size_t>(i)] = std::string(s.message());
    }
    if (absl::Status s = CheckOrcpt(r.orcpt()); !s.ok()) {
      return bad(absl::StrCat("recipient ", i + 1, ": ", s.message()));
    }
    bool never = false, other = false;
    for (int n : r.notify()) {
      if (!v1::DsnNotify_IsValid(n) || n == v1::DSN_NOTIFY_UNSPECIFIED) {
        return bad(absl::StrCat("recipient ", i + 1, ": unknown DSN NOTIFY value ", n));
      }
      (n == v1::DSN_NOTIFY_NEVER ? never : other) = true;
    }
    if (never && other) return bad(absl::StrCat("recipient ", i + 1, ": NOTIFY=NEVER cannot be combined"));
  }
  if (!v1::BodyType_IsValid(e.body_type())) return bad(absl::StrCat("unknown body type ", e.body_type()));
  if (!v1::DsnRet_IsValid(e.dsn_ret())) return bad(absl::StrCat("unknown DSN RET value ", e.dsn_ret()));
  if (!FirstControlCharacter(e.dsn_envid()).empty()) return bad("ENVID contains a control character");
  if (!FirstControlCharacter(e.nexthop()).empty() || e.nexthop().size() > 300) return bad("bad nexthop");
  if (!FirstControlCharacter(e.queue_id()).empty() || e.queue_id().size() > 100) return bad("bad queue_id");
  if (e.routes().empty()) return bad("no routes (call Resolve first and pass its routes)");
  for (int i = 0; i < e.routes_size(); ++i) {
    const v1::Route& r = e.routes(i);
    const std::string where = absl::StrCat("route ", i + 1, ": ");
    if (!IsIpAddress(r.host())) {
      if (absl::Status s = ValidateDomainName(r.host()); !s.ok())
        return bad(where + std::string(s.message()));
    }
    if (r.port() < 1 || r.port() > 65535) return bad(absl::StrCat(where, "port ", r.port(), " out of range"));
    if (r.addresses().empty()) return bad(where + "no addresses");
    for (const std::string& a : r.addresses()) {
      if (!IsIpAddress(a)) return bad(absl::StrCat(where, "'", a.substr(0, 60), "' is not an IP address"));
    }
  }
  return absl::OkStatus();
}

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
      auto spool = MessageSpool::Create(settings_->spool_directory);
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
    refs_.fetch_add(1);             // the loop's reference
    if (msg_.recipients.empty()) {  // every address was malformed: nothing to send
      service_->loop_->Post([this] { Report({}); });
      return;
    }
    service_->loop_->Post([this] {
      if (cancelled_.load()) {
        return LoopDone(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the caller"));
      }
      const std::string key = envelope_.nexthop().empty() ? envelope_.routes(0).host() : envelope_.nexthop();
      waiting_ = true;
      ticket_ = service_->limiter_->Acquire(key, [this, key] {
        waiting_ = false;
        StartDelivery(key);
      });
    });
  }

  // The envelope in the session's terms.
  void Prepare() {
    msg_.sender = envelope_.sender();
    for (int i = 0; i < envelope_.recipients_size(); ++i) {
      const v1::Recipient& r = envelope_.recipients(i);
      all_recipients_.push_back(r.address());
      if (!bad_recipients_[static_cast<size_t>(i)].empty()) continue;
      msg_.recipients.push_back(r.address());
      RecipientDsn dsn;
      for (int n : r.notify()) {
        if (!dsn.notify.empty()) dsn.notify += ",";
        dsn.notify += n == v1::DSN_NOTIFY_NEVER     ? "NEVER"
                      : n == v1::DSN_NOTIFY_SUCCESS ? "SUCCESS"
                      : n == v1::DSN_NOTIFY_FAILURE ? "FAILURE"
                                                    : "DELAY";
      }
      dsn.orcpt = r.orcpt();
      msg_.dsn.push_back(std::move(dsn));
    }
    msg_.dsn_ret = envelope_.dsn_ret() == v1::DSN_RET_FULL   ? "FULL"
                   : envelope_.dsn_ret() == v1::DSN_RET_HDRS ? "HDRS"
                                                             : "";
    msg_.dsn_envid = envelope_.dsn_envid();
    msg_.smtputf8 = envelope_.smtputf8();
    // A body declared 7bit that has 8-bit octets is 8-bit all the same.
    msg_.binary = envelope_.body_type() == v1::BODY_TYPE_BINARYMIME;
    msg_.eight_bit = msg_.binary || envelope_.body_type() == v1::BODY_TYPE_8BITMIME || spool_->saw_8bit();
    if (envelope_.has_arrival_time()) {
      const absl::Time arrival = absl::FromUnixSeconds(envelope_.arrival_time().seconds());
      msg_.pix_workaround = absl::Now() - arrival >= settings_->pix_threshold;
    }
    msg_.content = spool_.get();
    // No transaction after the first may begin that could outlast the
    // caller's deadline.
    if (deadline_ != absl::InfiniteFuture()) {
      msg_.start_by = deadline_ - settings_->time_budget.transaction;
    }
    for (const v1::Route& r : envelope_.routes()) {
      RouteTarget t;
      t.host = r.host();
      t.port = static_cast<uint16_t>(r.port());
      t.addresses.assign(r.addresses().begin(), r.addresses().end());
      t.fallback = r.fallback();
      routes_.push_back(std::move(t));
    }
  }

  // Loop thread: the service is going away; report what is open as deferred.
  void ShutDown() {
    if (attempt_) attempt_->Shutdown(kShuttingDown);
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
                                                 routes_, &msg_, deadline_);
    if (service_->draining_) {
      // Started after SIGTERM (it was waiting for a slot): defer it now.
      attempt_->Start([this](DeliveryResult result) { Report(std::move(result)); });
      return attempt_->Shutdown(kShuttingDown);
    }
    attempt_->Start([this](DeliveryResult result) { Report(std::move(result)); });
  }

  static constexpr char kShuttingDown[] = "delivery-svc is shutting down; delivery deferred";
  static constexpr char kCancelled[] =
      "the caller cancelled the delivery or its deadline expired; delivery deferred";

  // Loop thread: one outcome per envelope recipient, in envelope order (the
  // malformed addresses bounced, the others as the delivery decided them).
  void Report(DeliveryResult result) {
    std::vector<RecipientOutcome> outcomes;
    size_t next = 0;
    for (const std::string& why : bad_recipients_) {
      if (why.empty()) {
        outcomes.push_back(next < result.outcomes.size() ? std::move(result.outcomes[next])
                                                         : RecipientOutcome{});
        ++next;
        continue;
      }
      RecipientOutcome o;
      o.action = DeliveryAction::kBounced;
      o.enhanced = "5.1.3";
      o.reason = absl::StrCat("bad address syntax: ", why);
      outcomes.push_back(std::move(o));
    }
    LogOutcomes({envelope_.queue_id(), key_.empty() ? envelope_.nexthop() : key_, absl::Now() - start_},
                all_recipients_, outcomes);
    // A cancelled call was answered already: the response belongs to gRPC
    // again, and the log is the only record.
    if (!replied_.load()) AppendOutcomes(all_recipients_, outcomes, result.transcript, response_);
    LoopDone(grpc::Status::OK);
  }

  // Loop thread: the delivery is over (or will not happen).
  void LoopDone(const grpc::Status& status) {
    if (loop_done_) return;
    loop_done_ = true;
    service_->running_.erase(this);
    if (holding_slot_) service_->limiter_->Release(key_);
    // Destroy the attempt later: we may be inside its callback.
    service_->loop_->Post([attempt = std::shared_ptr<DeliveryAttempt>(std::move(attempt_))] {});
    Reply(status);
    Unref();
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
  uint64_t spool_reservation_ = 0;  // of DeliveryService::spool_reserved_, given back with the spool
  MessageEnvelope msg_;
  std::vector<std::string> bad_recipients_;  // per envelope recipient: why its address is malformed, or ""
  std::vector<std::string> all_recipients_;  // the envelope's, in order (msg_ has the well-formed ones)
  std::vector<RouteTarget> routes_;
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
    loop_->AddTimer(grace, [this] { ShutdownRunning(); });
  });
}

void DeliveryService::ShutdownRunning() {
  // Copy: finishing a call removes it from running_.
  std::vector<DeliverCall*> calls(running_.begin(), running_.end());
  for (DeliverCall* c : calls) c->ShutDown();
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
