// One SMTP client connection as a sans-I/O state machine (the protocol half
// of Postfix's smtp_proto.c). It is fed the server's bytes, the time, and
// "the connection closed"; it produces the bytes to send, the next deadline,
// and one outcome per recipient. No sockets: the event loop in
// smtp_connection.cc moves the bytes, and the unit tests play the server.
//
// Life of a session: greeting -> EHLO (or HELO) -> the message, in one or
// more transactions of at most `recipient_limit` recipients -> ready. A ready
// session may take another message (connection reuse: Reset() first), or
// Quit().
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "delivery-svc/mime/mime_converter.h"
#include "delivery-svc/sasl/sasl_client.h"
#include "delivery-svc/smtp/body_transfer.h"
#include "delivery-svc/smtp/delivery_outcome.h"
#include "delivery-svc/smtp/ehlo_features.h"
#include "delivery-svc/smtp/envelope_commands.h"
#include "delivery-svc/smtp/message.h"
#include "delivery-svc/smtp/recipient_table.h"
#include "delivery-svc/smtp/session_settings.h"
#include "delivery-svc/smtp/smtp_auth.h"
#include "delivery-svc/smtp/smtp_peer.h"
#include "delivery-svc/smtp/smtp_phase.h"
#include "delivery-svc/smtp/smtp_reply.h"
#include "delivery-svc/smtp/smtp_trouble.h"
#include "delivery-svc/tls/tls_session_info.h"

namespace mxd {

class SmtpSession {
 public:
  enum class Status {
    kBusy,    // talking: feed it replies and time
    kReady,   // idle and usable: StartMessage(), Reset() or Quit()
    kClosed,  // close the connection once output() is sent (or at once)
  };

  // A fresh connection to `peer`: the greeting comes next.
  SmtpSession(SessionSettings settings, SmtpPeer peer, absl::Time now, SessionSecurity security = {});

  void OnReceived(absl::string_view data, absl::Time now);
  // The peer closed the connection or it failed (`why`: "Connection reset
  // by peer"; empty for an orderly close).
  void OnConnectionLost(absl::string_view why, absl::Time now);
  // Call when now >= deadline().
  void OnTimer(absl::Time now);
  // The output buffer was drained to the socket: body transfer continues.
  void OnOutputDrained(absl::Time now);

  // The one door for a message. On a fresh session (before the greeting)
  // the message goes out after the greeting, EHLO, STARTTLS and AUTH; on a
  // ready one (a reused connection) at once, after RSET. The session keeps
  // the pointer until the message ends.
  void StartMessage(const MessageEnvelope* msg, absl::Time now);
  // On a ready connection: RSET, to check it and clear its state for reuse.
  void Reset(absl::Time now);
  // On a ready connection: say goodbye.
  void Quit(absl::Time now);
  // Gives up now (the service is shutting down): every recipient still open
  // is deferred with `reason`; the connection is to be closed.
  void Abandon(const std::string& reason);

  // TLS. tls_wanted(): start the handshake now (after the server's 220 to
  // STARTTLS, or at once in wrapper mode), then report how it ended.
  bool tls_wanted() const { return tls_handshaking_; }
  void OnTlsEstablished(const TlsSessionInfo& info, absl::Time now);
  void OnTlsFailed(const std::string& why, absl::Time now);
  const TlsSessionInfo& tls() const { return tls_; }
  const SessionSecurity& security() const { return sec_; }

  // Bytes to send; the caller removes what it wrote.
  std::string& output() { return out_; }
  std::optional<absl::Time> deadline() const;
  Status status() const { return status_; }

  // How the session ended, as one value (for the attempt to switch on):
  // kRunning while it talks or sits ready; kMessageDone when the message
  // has an outcome for every recipient; kTryNextAddress when this server
  // never got as far as the message; kRetryWithoutTls when an opportunistic
  // handshake failed (same server, plain text); kClosed otherwise. `failure`
  // says why it ended early, in Postfix's words (smtp_trouble.h).
  struct Ending {
    enum Kind { kRunning, kMessageDone, kTryNextAddress, kRetryWithoutTls, kClosed } kind = kRunning;
    Trouble failure;  // the last connection-level failure, if any
  };
  Ending ending() const;

  // The greeting, EHLO and TLS handshake completed and a mail transaction
  // began: a session that counts against smtp_mx_session_limit.
  bool handshake_completed() const { return handshake_completed_; }

  // The current message is over: every recipient has an outcome.
  bool message_finished() const { return message_finished_; }
  // The end of the content is on its way or out ("." or BDAT LAST) and its
  // reply has not come: closing now could lose a delivery that happened.
  bool awaiting_final_reply() const;
  std::vector<RecipientOutcome> TakeOutcomes();

  // A malformed reply or a protocol violation happened: the caller returns
  // the transcript with the outcomes.
  bool protocol_error() const { return protocol_error_; }
  const std::vector<std::string>& transcript() const { return transcript_; }
  const EhloFeatures& features() const { return features_; }
  // More of the server's replies are due: part of one has arrived, or a
  // command (pipelined or not) is unanswered.
  bool awaiting_reply() const { return !expect_.empty() || parser_.has_pending_input(); }
  const SmtpPeer& peer() const { return peer_; }

  static constexpr size_t kMaxTranscriptLines = 400;
  static constexpr size_t kBodyBufferHighWater = 64 * 1024;

 private:
  using Phase = SmtpPhase;
  struct Expect {
    Phase phase;
    size_t rcpt = 0;  // for kRcpt
  };

  void Send(Phase phase, const std::string& command, size_t rcpt = 0);
  // Sends a command whose arguments are secret; the transcript shows `shown`.
  void SendSecret(Phase phase, const std::string& command, const std::string& shown);
  void HandleReply(const SmtpReply& reply, absl::Time now);
  void HandleGreeting(const SmtpReply& reply, absl::Time now);
  void HandleHandshake(Phase phase, const SmtpReply& reply, absl::Time now);
  // After EHLO/HELO (again after TLS): STARTTLS, AUTH, or the message.
  void AfterHandshake(absl::Time now);
  void HandleStartTls(const SmtpReply& reply, absl::Time now);
  bool AuthWanted() const;
  void StartAuth(absl::Time now);
  // Acts on what the AUTH exchange says next (`reply`: the one it answered).
  void AuthStep(const SmtpAuth::Step& step, const SmtpReply* reply, absl::Time now);
  void AuthFailed(const Trouble& t, const SmtpReply* reply, absl::Time now);
  void BeginTransaction(absl::Time now);
  void HandleMail(const SmtpReply& reply, absl::Time now);
  void HandleRcpt(size_t rcpt, const SmtpReply& reply, absl::Time now);
  void HandleData(const SmtpReply& reply, absl::Time now);
  void HandleDot(const SmtpReply& reply, absl::Time now);
  void HandleBdat(const SmtpReply& reply, bool last, absl::Time now);
  // After the RCPT replies: the content, by DATA or by BDAT.
  void StartContent(absl::Time now);
  void StartBody(absl::Time now);
  // Whether this transaction converts 8-bit content to 7bit, by the
  // converter's first pass (msg.conversion, else run here once per
  // message). False with every recipient of the transaction decided when it
  // cannot be converted.
  bool PrepareConversion(absl::Time now);
  void EndTransaction(absl::Time now);
  void PumpBody(absl::Time now);
  void SendFinalDot(absl::Time now);
  void FinishMessage();
  // Connection-level failure: remaining recipients deferred, connection closed.
  void Fail(const Trouble& t, absl::Time now, bool try_next);
  void ServerClosing(Phase phase, const SmtpReply& reply, absl::Time now);
  bool PlainTextRetryAllowed() const;
  void Record(const std::string& line);

  RecipientOutcome FromReply(const SmtpReply& reply, Phase phase) const;
  RecipientOutcome Deferred(const Trouble& t) const;
  // The server cannot take this message (size, SMTPUTF8, conversion): every
  // recipient still open bounces, and the message is over.
  void BounceMessage(const Trouble& t);
  absl::Duration TimeoutFor(Phase phase) const;

  SessionSettings s_;
  SmtpPeer peer_;
  SessionSecurity sec_;
  Status status_ = Status::kBusy;
  ReplyParser parser_;
  EhloFeatures features_;
  std::deque<Expect> expect_;
  std::string out_;
  absl::Time last_activity_;
  bool greeted_ = false;
  bool reused_ = false;
  size_t message_replies_ = 0;  // replies since the current message started

  const MessageEnvelope* msg_ = nullptr;
  RecipientTable rcpts_;
  bool message_finished_ = false;
  bool handshake_completed_ = false;
  size_t txn_begin_ = 0, txn_end_ = 0;  // recipients [begin, end) of this transaction
  std::vector<size_t> accepted_;
  bool mail_accepted_ = false;
  bool need_rset_ = false;                  // RSET first: an aborted transaction, or a reused connection
  Phase waiting_phase_ = Phase::kGreeting;  // for timeouts when nothing is expected

  // Body transfer.
  bool use_bdat_ = false;     // this transaction sends the content with BDAT
  bool send_binary_ = false;  // BODY=BINARYMIME: the content goes unchanged
  bool bdat_failed_ = false;  // a BDAT chunk was refused: the rest is ignored
  bool in_body_ = false;
  bool pix_waiting_ = false;
  bool pix_delay_dotcrlf_ = false;      // this server gets the PIX delay_dotcrlf workaround
  std::unique_ptr<BodyTransfer> body_;  // the content of the transaction being sent
  // 8BITMIME to 7BIT: whether this transaction converts, and the first
  // pass over the message (once per message).
  bool convert_ = false;
  std::shared_ptr<const ConversionScan> scan_;

  // TLS and AUTH.
  bool tls_handshaking_ = false;
  bool retry_without_tls_ = false;
  TlsSessionInfo tls_;
  std::unique_ptr<SmtpAuth> auth_;  // while AUTH is under way
  bool authenticated_ = false;

  bool try_next_address_ = false;
  bool protocol_error_ = false;
  Trouble failure_;  // the last connection-level failure
  std::vector<std::string> transcript_;
};

}  // namespace mxd
