#include "cli/client/deliver_stream_client.h"

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/client/deliver_proto.h"
#include "cli/client/grpc_channel.h"
#include "cli/client/grpc_status.h"
#include "common/grpc/delivery_metadata.h"
#include "common/grpc/tsan_handoff.h"
#include "mxd/v1/delivery.grpc.pb.h"

namespace mxd::client {

// The call. Writes one request at a time from `writes_`; a hold keeps the
// call open while Send may still add messages (until Close, or until the
// stream broke).
class DeliverStreamClient::Reactor final
    : public grpc::ClientBidiReactor<v1::StreamRequest, v1::StreamResponse> {
 public:
  Reactor(const std::string& target, const ChannelSecurity& security, size_t window) : window_(window) {
    auto channel = MakeChannel(target, security);
    if (!channel.ok()) {
      std::lock_guard<std::mutex> lock(mu_);
      final_status_ = channel.status();
      broken_ = done_ = true;
      return;
    }
    channel_ = *channel;
    stub_ = v1::Delivery::NewStub(channel_);
    stub_->async()->DeliverStream(&context_, this);
    AddHold();
    MXD_TSAN_RELEASE(this);
    StartRead(&response_);
    StartCall();
  }

  void Send(const DeliverEnvelope& envelope, std::string content, absl::Duration timeout, Callback done) {
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!broken_ && !closing_) {
        waiting_.push_back({envelope, std::move(content), timeout, std::move(done)});
        next = Decide();
        done = nullptr;
      }
    }
    if (done) {
      done(
          MarkNothingSent(absl::UnavailableError("the DeliverStream is closed or broken; nothing was sent")));
      return;
    }
    Perform(next);
  }

  absl::Status Close() {
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
      next = Decide();
    }
    Perform(next);
    std::unique_lock<std::mutex> lock(mu_);
    finished_.wait(lock, [this] { return done_; });
    return final_status_;
  }

  // Nothing is sent before the service named its limit (its first words).
  void OnReadInitialMetadataDone(bool ok) override {
    MXD_TSAN_ACQUIRE(this);  // gRPC orders the reactions; TSan cannot see how
    size_t limit = 0;
    if (ok) {
      const auto& md = context_.GetServerInitialMetadata();
      auto it = md.find(kStreamMessageLimitMetadata);
      if (it == md.end() ||
          !absl::SimpleAtoi(absl::string_view(it->second.data(), it->second.size()), &limit)) {
        limit = 0;
      }
    }
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) broken_ = true;  // OnDone tells how
      window_ = limit > 0 ? std::min(window_, limit) : window_;
      open_ = true;
      next = Decide();
    }
    Perform(next);
  }

  void OnWriteDone(bool ok) override {
    MXD_TSAN_ACQUIRE(this);  // gRPC orders the reactions; TSan cannot see how
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      writes_.pop_front();
      writing_ = false;
      if (!ok) broken_ = true;  // the call is over: OnDone tells how
      next = Decide();
    }
    Perform(next);
  }

  void OnReadDone(bool ok) override {
    MXD_TSAN_ACQUIRE(this);  // gRPC orders the reactions; TSan cannot see how
    if (!ok) {
      Next next;
      {
        std::lock_guard<std::mutex> lock(mu_);
        broken_ = true;  // the service ended the call (after every answer, or not)
        next = Decide();
      }
      return Perform(next);
    }
    const v1::StreamResponse response = std::move(response_);
    MXD_TSAN_RELEASE(this);
    StartRead(&response_);
    Callback done;
    size_t recipients = 0;
    Next next;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = awaiting_.find(response.id());
      if (it == awaiting_.end()) return;  // not ours: nothing to tell anyone
      done = std::move(it->second.done);
      recipients = it->second.recipients;
      awaiting_.erase(it);
      next = Decide();
    }
    Perform(next);
    if (response.code() != 0) {
      absl::Status failed(static_cast<absl::StatusCode>(response.code()), response.error());
      done(response.nothing_sent() ? MarkNothingSent(failed) : failed);
    } else {
      done(ResultFromResponse(response.result(), recipients));
    }
  }

  void OnDone(const grpc::Status& status) override {
    MXD_TSAN_ACQUIRE(this);                             // gRPC orders the reactions; TSan cannot see how
    std::vector<std::pair<Callback, bool>> unanswered;  // and whether nothing was sent
    absl::Status ended = status.ok() ? absl::InternalError("the DeliverStream ended without this answer")
                                     : FromGrpcStatus(status);
    {
      std::lock_guard<std::mutex> lock(mu_);
      // Messages whose first request never went out reached nobody.
      absl::flat_hash_set<uint64_t> unsent;
      for (const v1::StreamRequest& r : writes_) {
        if (r.has_envelope()) unsent.insert(r.id());
      }
      for (auto& [id, a] : awaiting_) unanswered.emplace_back(std::move(a.done), unsent.contains(id));
      for (Pending& p : waiting_) unanswered.emplace_back(std::move(p.done), true);
      awaiting_.clear();
      waiting_.clear();
      writes_.clear();
      final_status_ = status.ok() ? absl::OkStatus() : ended;
    }
    for (auto& [done, nothing_sent] : unanswered) {
      absl::Status s =
          absl::Status(ended.code(), absl::StrCat("DeliverStream ended before the answer: ", ended.message(),
                                                  nothing_sent ? "; nothing was sent" : ""));
      done(nothing_sent ? MarkNothingSent(s) : s);
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;  // the last touch: Close may return and delete us
    finished_.notify_all();
  }

 private:
  struct Pending {
    DeliverEnvelope envelope;
    std::string content;
    absl::Duration timeout;
    Callback done;
  };
  struct Awaiting {
    Callback done;
    size_t recipients = 0;
  };
  // What to ask of gRPC once mu_ is released.
  struct Next {
    v1::StreamRequest* write = nullptr;
    bool more_follow = false;  // more requests wait behind this one
    bool writes_done = false;
    bool remove_hold = false;
  };

  // With mu_ held: messages into the window, the next write, the end of
  // the writes, the hold's release.
  Next Decide() {
    Next next;
    while (open_ && !broken_ && awaiting_.size() < window_ && !waiting_.empty()) {
      Pending p = std::move(waiting_.front());
      waiting_.pop_front();
      const uint64_t id = next_id_++;
      const size_t size = p.content.size();
      size_t offset = 0;
      do {
        v1::StreamRequest& r = writes_.emplace_back();
        r.set_id(id);
        if (offset == 0) {
          FillEnvelope(p.envelope, size, r.mutable_envelope());
          if (p.timeout != absl::InfiniteDuration()) {
            const int64_t seconds = absl::ToInt64Seconds(p.timeout);
            r.mutable_timeout()->set_seconds(seconds);
            r.mutable_timeout()->set_nanos(
                static_cast<int32_t>(absl::ToInt64Nanoseconds(p.timeout - absl::Seconds(seconds))));
          }
        }
        const size_t n = std::min(kPartSize, size - offset);
        if (offset == 0 && n == size) {
          r.set_content(std::move(p.content));  // one part: no copy
        } else {
          r.set_content(p.content.substr(offset, n));
        }
        offset += n;
        r.set_last(offset == size);
      } while (offset < size);
      awaiting_[id] = Awaiting{std::move(p.done), p.envelope.recipients.size()};
    }
    if (writing_) return next;
    if (!broken_ && !writes_.empty()) {
      writing_ = true;
      next.write = &writes_.front();  // stays put until OnWriteDone pops it
      // More requests wait behind this one: gRPC may hold it back and send
      // them together (the last of a run goes without, and flushes them).
      next.more_follow = writes_.size() > 1;
      return next;
    }
    if (closing_ && !broken_ && waiting_.empty() && !writes_done_) {
      writes_done_ = next.writes_done = true;
    }
    if ((writes_done_ || broken_) && !hold_removed_ && channel_) hold_removed_ = next.remove_hold = true;
    return next;
  }

  void Perform(const Next& next) {
    MXD_TSAN_RELEASE(this);
    if (next.write)
      StartWrite(next.write,
                 next.more_follow ? grpc::WriteOptions().set_buffer_hint() : grpc::WriteOptions());
    if (next.writes_done) StartWritesDone();
    if (next.remove_hold) RemoveHold();
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Delivery::Stub> stub_;
  grpc::ClientContext context_;
  v1::StreamResponse response_;  // the read in progress
  // std::mutex rather than absl::Mutex: Debian's Abseil is not built for
  // ThreadSanitizer, which then cannot see absl::Mutex ordering.
  std::mutex mu_;
  std::condition_variable finished_;  // done_
  size_t window_;
  uint64_t next_id_ = 1;
  std::deque<Pending> waiting_;  // not yet in the window
  absl::flat_hash_map<uint64_t, Awaiting> awaiting_;
  std::deque<v1::StreamRequest> writes_;
  bool open_ = false;  // the service's initial metadata arrived
  bool writing_ = false;
  bool closing_ = false;
  bool writes_done_ = false;
  bool hold_removed_ = false;
  bool broken_ = false;
  bool done_ = false;
  absl::Status final_status_;
};

DeliverStreamClient::DeliverStreamClient(const std::string& target, const ChannelSecurity& security,
                                         size_t window)
    : reactor_(new Reactor(target, security, std::max<size_t>(window, 1))) {}

DeliverStreamClient::~DeliverStreamClient() {
  reactor_->Close().IgnoreError();
  delete reactor_;
}

void DeliverStreamClient::Send(const DeliverEnvelope& envelope, std::string content, absl::Duration timeout,
                               Callback done) {
  reactor_->Send(envelope, std::move(content), timeout, std::move(done));
}

absl::Status DeliverStreamClient::Close() { return reactor_->Close(); }

}  // namespace mxd::client
