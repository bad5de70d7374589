#include "delivery-svc/smtp_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace mxd {

SmtpConnection::SmtpConnection(EventLoop* loop, const SessionSettings& settings, SmtpPeer peer)
    : loop_(loop), settings_(settings), peer_(std::move(peer)), created_(loop->Now()) {}

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

void SmtpConnection::Connect(const MessageEnvelope* msg, absl::Duration timeout, EventCallback on_event) {
  on_event_ = std::move(on_event);
  first_msg_ = msg;
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, peer_.ip.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(peer_.port);
    len = sizeof(*v4);
  } else if (inet_pton(AF_INET6, peer_.ip.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(peer_.port);
    len = sizeof(*v6);
  }
  auto fail = [this](const std::string& why) {
    connect_error_ = absl::StrCat("connect to ", peer_.Name(), ":", peer_.port, ": ", why);
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
    connect_error_ = absl::StrCat("connect to ", peer_.Name(), ":", peer_.port, ": Connection timed out");
    CloseSocket();
    Notify(Event::kConnectFailed);
  });
}

void SmtpConnection::OnConnectDone() {
  int err = 0;
  socklen_t len = sizeof(err);
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    connect_error_ = absl::StrCat("connect to ", peer_.Name(), ":", peer_.port, ": ", std::strerror(err));
    CloseSocket();
    Notify(Event::kConnectFailed);
    return;
  }
  connecting_ = false;
  if (timer_ != 0) {
    loop_->CancelTimer(timer_);
    timer_ = 0;
  }
  session_ = std::make_unique<SmtpSession>(settings_, peer_, first_msg_, loop_->Now());
  Pump();
}

void SmtpConnection::OnSocketEvent(uint32_t events) {
  if (connecting_) return OnConnectDone();
  if (events & (EventLoop::kReadable | EventLoop::kError)) {
    char buf[16384];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n > 0) {
        session_->OnReceived(absl::string_view(buf, static_cast<size_t>(n)), loop_->Now());
        if (session_->status() == SmtpSession::Status::kClosed) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      session_->OnConnectionLost(n == 0 ? "" : std::strerror(errno), loop_->Now());
      break;
    }
  }
  Pump();
}

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
  const bool want_write = !session_->output().empty();
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
    std::string& out = session_->output();
    if (out.empty()) break;
    ssize_t n = send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) {
      session_->OnConnectionLost(std::strerror(errno), loop_->Now());
      break;
    }
    out.erase(0, static_cast<size_t>(n));
    if (out.empty()) session_->OnOutputDrained(loop_->Now());
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
  if (closing && (session_->output().empty() || fd_ < 0)) {
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
