#include "delivery-svc/engine/smtp_connection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/log/json_log.h"
#include "common/net/socket_address.h"

namespace mxd {

namespace {
// Session output is moved into TLS only while less than this much
// ciphertext waits for the socket (the body pump's back-pressure).
constexpr size_t kCiphertextHighWater = 64 * 1024;
}  // namespace

SmtpConnection::SmtpConnection(EventLoop* loop, const SessionSettings& settings, SmtpPeer peer,
                               SessionSecurity security, ConnectionTls tls)
    : loop_(loop),
      settings_(settings),
      peer_(std::move(peer)),
      security_(std::move(security)),
      tls_setup_(std::move(tls)),
      created_(loop->Now()) {}

SmtpConnection::~SmtpConnection() {
  *alive_ = false;
  CloseSocket();
}

void SmtpConnection::CloseSocket() {
  if (timer_ != 0) {
    loop_->CancelTimer(timer_);
    timer_ = 0;
  }
  if (fd_ >= 0) {
    loop_->Unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }
}

void SmtpConnection::Notify(Event e) {
  if (on_event_) on_event_(e);
}

void SmtpConnection::StartMessage(const MessageEnvelope* msg) {
  if (!session_) {
    pending_msg_ = msg;
    return;
  }
  session_->StartMessage(msg, loop_->Now());
  Pump();
}

void SmtpConnection::Quit() {
  if (!session_) return Abort();
  session_->Quit(loop_->Now());
  Pump();
}

void SmtpConnection::Abandon(const std::string& reason) {
  if (session_) session_->Abandon(reason);
  // Close without sending anything more: TLS records still buffered could
  // hold the final "." of a message now reported as deferred.
  Abort();
}

void SmtpConnection::Connect(absl::Duration timeout, EventCallback on_event) {
  on_event_ = std::move(on_event);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (!ToSocketAddress(peer_.ip, peer_.port, &ss, &len)) len = 0;
  auto fail = [this](const std::string& why) {
    connect_error_ = trouble::ConnectFailed(peer_, why);
    CloseSocket();
    Notify(Event::kConnectFailed);
  };
  if (len == 0) return fail("bad address");
  fd_ = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return fail(std::strerror(errno));
  int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (connect(fd_, reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    return fail(std::strerror(errno));
  }
  connecting_ = true;
  loop_->Watch(fd_, EventLoop::kWritable, [this](uint32_t ev) { OnSocketEvent(ev); });
  timer_ = loop_->AddTimer(timeout, [this] {
    timer_ = 0;
    connect_error_ = trouble::ConnectFailed(peer_, "Connection timed out");
    CloseSocket();
    Notify(Event::kConnectFailed);
  });
}

void SmtpConnection::OnConnectDone() {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    connect_error_ = trouble::ConnectFailed(peer_, std::strerror(err));
    CloseSocket();
    Notify(Event::kConnectFailed);
    return;
  }
  connecting_ = false;
  if (timer_ != 0) {
    loop_->CancelTimer(timer_);
    timer_ = 0;
  }
  session_ = std::make_unique<SmtpSession>(settings_, peer_, loop_->Now(), security_);
  if (pending_msg_ != nullptr) session_->StartMessage(std::exchange(pending_msg_, nullptr), loop_->Now());
  MaybeStartTls();
  Pump();
}

void SmtpConnection::OnSocketEvent(uint32_t events) {
  if (connecting_) return OnConnectDone();
  if (events & (EventLoop::kReadable | EventLoop::kError)) {
    char buf[16384];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        const absl::string_view data(buf, static_cast<size_t>(n));
        if (tls_) {
          tls_->FeedCiphertext(data);
          DriveTls();
        } else {
          session_->OnReceived(data, loop_->Now());
          MaybeStartTls();  // after the 220 to STARTTLS, the rest is TLS
        }
        if (session_->status() == SmtpSession::Status::kClosed) break;
        // A short read took all there was: the loop reports the socket
        // again when more arrives (level-triggered), so asking once more
        // now would only cost a system call that says EAGAIN.
        if (static_cast<size_t>(n) < sizeof(buf)) {
          AckWhileRepliesAreDue();
          break;
        }
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        AckWhileRepliesAreDue();
        break;
      }
      ConnectionLost(n == 0 ? "" : std::strerror(errno));
      break;
    }
  }
  Pump();
}

// The connection broke (`why` empty: the server closed it), whether a read
// or a write found out: during the TLS handshake that is the handshake's
// failure (at `may`, a retry in plain text), else a lost connection. A
// server that resets right after its 220 to STARTTLS may be found by the
// ClientHello's send before any read.
void SmtpConnection::ConnectionLost(const std::string& why) {
  if (tls_ && tls_->state() == TlsStream::State::kHandshaking) {
    session_->OnTlsFailed(why.empty() ? "lost connection" : why, loop_->Now());
  } else {
    session_->OnConnectionLost(why, loop_->Now());
  }
}

// ACK at once: servers that write a reply in several segments with Nagle on
// (Postfix's smtpd inside TLS: session tickets, then the reply) otherwise
// wait out our delayed ACK, 40 ms per round trip. Only while more replies
// are due with nothing of ours about to leave (or inside TLS): our next
// command or message content carries the ACK, and the system call costs.
void SmtpConnection::AckWhileRepliesAreDue() {
  if (tls_ || (session_->awaiting_reply() && session_->output().empty())) {
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
  }
}

void SmtpConnection::MaybeStartTls() {
  if (tls_ || !session_->tls_wanted()) return;
  if (tls_setup_.context == nullptr) return session_->OnTlsFailed("TLS is not configured", loop_->Now());
  const std::string cache_key =
      absl::StrCat(peer_.Name(), ":", peer_.port, "/", TlsLevelName(tls_setup_.policy.level), "/",
                   tls_setup_.nexthop_domain);
  absl::StatusOr<std::unique_ptr<TlsStream>> stream =
      tls_setup_.context->NewStream(tls_setup_.policy, tls_setup_.nexthop_domain, peer_.host, cache_key);
  if (!stream.ok()) return session_->OnTlsFailed(std::string(stream.status().message()), loop_->Now());
  tls_ = std::move(*stream);
  DriveTls();  // the ClientHello
}

void SmtpConnection::DriveTls() {
  const bool was_handshaking = tls_->state() == TlsStream::State::kHandshaking;
  std::string plaintext;
  const TlsStream::State state = tls_->Drive(&plaintext);
  const absl::Time now = loop_->Now();
  if (was_handshaking && state == TlsStream::State::kOpen) {
    const TlsSessionInfo& i = tls_->info();
    LogInfo("tls", {{"peer", absl::StrCat(peer_.Name(), ":", peer_.port)},
                    {"verification", i.Verification()},
                    {"protocol", i.protocol},
                    {"cipher", i.cipher},
                    {"bits", absl::StrCat(i.cipher_bits)},
                    {"resumed", i.resumed ? "yes" : "no"},
                    {"peer_cn", i.peer_cn},
                    {"trust_error", i.trust_error}});
    session_->OnTlsEstablished(i, now);
  } else if (was_handshaking && state == TlsStream::State::kFailed) {
    return session_->OnTlsFailed(tls_->error(), now);
  }
  if (!plaintext.empty()) session_->OnReceived(plaintext, now);
  if (state == TlsStream::State::kFailed) {
    session_->OnConnectionLost(absl::StrCat("TLS error: ", tls_->error()), now);
  } else if (state == TlsStream::State::kClosed) {
    session_->OnConnectionLost("", now);
  }
}

std::string& SmtpConnection::WireOutput() { return tls_ ? tls_->ciphertext_out() : session_->output(); }

void SmtpConnection::OnTimer() {
  timer_ = 0;
  if (session_) session_->OnTimer(loop_->Now());
  Pump();
}

void SmtpConnection::ArmTimer() {
  if (timer_ != 0) {
    loop_->CancelTimer(timer_);
    timer_ = 0;
  }
  std::optional<absl::Time> d = session_->deadline();
  if (d) timer_ = loop_->AddTimer(std::max(absl::ZeroDuration(), *d - absl::Now()), [this] { OnTimer(); });
}

void SmtpConnection::UpdateInterest() {
  const bool want_write = !WireOutput().empty();
  loop_->Watch(fd_, EventLoop::kReadable | (want_write ? EventLoop::kWritable : 0),
               [this](uint32_t ev) { OnSocketEvent(ev); });
  want_write_ = want_write;
}

void SmtpConnection::Pump() {
  if (fd_ < 0 || !session_) return;
  std::weak_ptr<bool> alive = alive_;
  // Write while the socket takes it; the session refills its output (message
  // body) whenever it drains.
  for (;;) {
    if (tls_ && tls_->state() == TlsStream::State::kOpen && !session_->output().empty() &&
        tls_->ciphertext_out().size() < kCiphertextHighWater) {
      tls_->Write(session_->output());
      session_->output().clear();
      session_->OnOutputDrained(loop_->Now());
      continue;
    }
    std::string& out = WireOutput();
    if (out.empty()) break;
    ssize_t n = send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) {
      ConnectionLost(std::strerror(errno));
      out.clear();  // it can never be sent
      break;
    }
    out.erase(0, static_cast<size_t>(n));
    if (out.empty() && !tls_) session_->OnOutputDrained(loop_->Now());
  }
  const bool closing = session_->status() == SmtpSession::Status::kClosed;
  if (session_->message_finished() && !finished_reported_) {
    finished_reported_ = true;
    Notify(Event::kMessageFinished);
    // The owner may have destroyed us, or told the session what next.
    if (alive.expired()) return;
    return Pump();
  }
  if (!session_->message_finished()) finished_reported_ = false;
  // A finished session closes now. What the socket did not take (a QUIT, the
  // TLS records of a server that stopped reading or reset the connection) is
  // dropped: waiting for it would hold the connection with no deadline.
  if (closing) {
    CloseSocket();
    Notify(Event::kClosed);
    return;
  }
  if (fd_ < 0) return;
  UpdateInterest();
  ArmTimer();
}

void SmtpConnection::Abort() { CloseSocket(); }

}  // namespace mxd
