// One TCP connection to an SMTP server, driven by the event loop: a
// non-blocking connect with smtp_connect_timeout, then the bytes between the
// socket and the SmtpSession, and the session's deadlines as loop timers.
// With TLS (STARTTLS or wrapper mode) the bytes pass through a TlsStream
// on the way: the handshake runs on the same non-blocking socket.
// The owner is told (on_event) when the connect fails, when the current
// message is finished, and when the connection is closed.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/net/event_loop.h"
#include "delivery-svc/smtp/smtp_session.h"
#include "delivery-svc/tls/tls_client_context.h"
#include "delivery-svc/tls/tls_policy.h"
#include "delivery-svc/tls/tls_stream.h"

namespace mxd {

// What a connection needs to start TLS when its session asks for it.
struct ConnectionTls {
  TlsClientContext* context = nullptr;
  TlsPolicy policy;
  std::string nexthop_domain;  // for "nexthop" certificate matching and SNI
};

class SmtpConnection {
 public:
  enum class Event { kConnectFailed, kMessageFinished, kClosed };
  using EventCallback = std::function<void(Event)>;

  SmtpConnection(EventLoop* loop, const SessionSettings& settings, SmtpPeer peer,
                 SessionSecurity security = {}, ConnectionTls tls = {});
  ~SmtpConnection();
  SmtpConnection(const SmtpConnection&) = delete;
  SmtpConnection& operator=(const SmtpConnection&) = delete;

  // Connects (the session starts when the connect completes).
  void Connect(absl::Duration timeout, EventCallback on_event);
  // Sets who hears about events from now on (connections move between
  // deliveries and the cache).
  void SetEventCallback(EventCallback on_event) { on_event_ = std::move(on_event); }

  SmtpSession& session() { return *session_; }
  bool has_session() const { return session_ != nullptr; }
  const SmtpPeer& peer() const { return peer_; }
  // Why the connect failed ("connect to host[ip]:25: Connection refused").
  const Trouble& connect_error() const { return connect_error_; }
  bool closed() const { return fd_ < 0; }
  absl::Time created() const { return created_; }

  // The connection owns its session's life: each of these tells the session
  // and moves what it says to the socket.
  // The one door for a message, fresh or cached connection alike: before
  // the connect completes (call it before Connect) the message follows the
  // handshake; on a ready connection it starts now (RSET first).
  void StartMessage(const MessageEnvelope* msg);
  // On a ready connection: QUIT, then close.
  void Quit();
  // Gives up (the delivery is cancelled or the service stops): what is open
  // is deferred with `reason` and the socket closes at once, with nothing
  // more sent (not even buffered TLS records).
  void Abandon(const std::string& reason);

  // Moves output to the socket, re-arms the timer, reports events.
  void Pump();
  // Closes the socket now, without QUIT.
  void Abort();

 private:
  void OnConnectDone();
  void OnSocketEvent(uint32_t events);
  void AckWhileRepliesAreDue();
  void ConnectionLost(const std::string& why);
  void OnTimer();
  void ArmTimer();
  void UpdateInterest();
  // Starts the handshake when the session asks for TLS.
  void MaybeStartTls();
  // Feeds received ciphertext through TLS to the session.
  void DriveTls();
  // The bytes waiting for the socket: ciphertext with TLS, else the
  // session's output.
  std::string& WireOutput();
  void CloseSocket();
  void Notify(Event e);

  EventLoop* loop_;
  SessionSettings settings_;
  SmtpPeer peer_;
  SessionSecurity security_;
  ConnectionTls tls_setup_;
  std::unique_ptr<TlsStream> tls_;
  int fd_ = -1;
  bool connecting_ = false;
  bool want_write_ = false;
  std::unique_ptr<SmtpSession> session_;
  const MessageEnvelope* pending_msg_ = nullptr;  // given before the session existed
  EventCallback on_event_;
  EventLoop::TimerId timer_ = 0;
  absl::Time created_;
  Trouble connect_error_;
  bool finished_reported_ = false;
  // Guards against use after the owner destroys us inside a callback.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace mxd
