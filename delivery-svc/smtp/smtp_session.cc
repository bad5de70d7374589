// SmtpSession, part one: the connection's life (Postfix's smtp_proto.c up to
// MAIL FROM, and its endings): the greeting, EHLO or HELO, STARTTLS, AUTH
// (through SmtpAuth), timeouts, lost connections, 421, and how the session
// ended. One mail transaction is in smtp_transaction.cc.
#include "delivery-svc/smtp/smtp_session.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

constexpr size_t kMaxTranscriptLineLength = 512;

}  // namespace

SmtpSession::SmtpSession(SessionSettings settings, SmtpPeer peer, absl::Time now, SessionSecurity security)
    : s_(std::move(settings)),
      peer_(std::move(peer)),
      sec_(std::move(security)),
      parser_(s_.reply_budget),
      last_activity_(now) {
  expect_.push_back({Phase::kGreeting});
  // Wrapper mode: the handshake comes before the greeting.
  tls_handshaking_ = sec_.wrappermode && sec_.tls_level != TlsLevel::kNone;
}

absl::Duration SmtpSession::TimeoutFor(Phase phase) const {
  switch (phase) {
    case Phase::kGreeting:
    case Phase::kEhlo:
    case Phase::kHelo: return s_.helo_timeout;
    case Phase::kMail: return s_.mail_timeout;
    case Phase::kRcpt: return s_.rcpt_timeout;
    case Phase::kData: return s_.data_init_timeout;
    case Phase::kBody:
    case Phase::kBdat: return s_.data_xfer_timeout;
    case Phase::kDot:
    case Phase::kIgnoredDot:
    case Phase::kBdatLast: return s_.data_done_timeout;
    case Phase::kRset: return s_.rset_timeout;
    case Phase::kQuit: return s_.quit_timeout;
    case Phase::kStartTls:
    case Phase::kTlsHandshake: return s_.starttls_timeout;
    case Phase::kAuth: return s_.helo_timeout;
  }
  return s_.helo_timeout;
}

std::optional<absl::Time> SmtpSession::deadline() const {
  if (status_ != Status::kBusy) return std::nullopt;
  if (tls_handshaking_) return last_activity_ + s_.starttls_timeout;
  if (pix_waiting_) return last_activity_ + s_.pix_delay;
  if (in_body_) return last_activity_ + s_.data_xfer_timeout;
  if (!expect_.empty()) return last_activity_ + TimeoutFor(expect_.front().phase);
  return std::nullopt;
}

void SmtpSession::Record(const std::string& line) {
  if (transcript_.size() >= kMaxTranscriptLines) return;
  transcript_.push_back(transcript_.size() + 1 == kMaxTranscriptLines
                            ? "(transcript truncated)"
                            : Printable(line.substr(0, kMaxTranscriptLineLength)));
}

void SmtpSession::Send(Phase phase, const std::string& command, size_t rcpt) {
  Record("C: " + command);
  out_ += command;
  out_ += "\r\n";
  expect_.push_back({phase, rcpt});
}

void SmtpSession::SendSecret(Phase phase, const std::string& command, const std::string& shown) {
  Record("C: " + shown);
  out_ += command;
  out_ += "\r\n";
  expect_.push_back({phase, 0});
}

RecipientOutcome SmtpSession::FromReply(const SmtpReply& r, Phase phase) const {
  RecipientOutcome o = trouble::FromReply(peer_, r, phase);
  o.tls = tls_;
  return o;
}

void SmtpSession::BounceMessage(const Trouble& t) {
  RecipientOutcome o = trouble::Bounced(peer_, t);
  o.tls = tls_;
  rcpts_.DecideRemaining(o);
  txn_end_ = msg_->recipients.size();
  FinishMessage();
}

RecipientOutcome SmtpSession::Deferred(const Trouble& t) const {
  RecipientOutcome o = trouble::Deferred(peer_, t, awaiting_final_reply());
  o.tls = tls_;
  return o;
}

void SmtpSession::Fail(const Trouble& t, absl::Time /*now*/, bool try_next) {
  failure_ = t;
  if (msg_ != nullptr && !message_finished_) {
    if (try_next && !rcpts_.any_decided()) {
      try_next_address_ = true;
    } else {
      rcpts_.DecideRemaining(Deferred(t));
      message_finished_ = true;
    }
  } else if (try_next) {
    try_next_address_ = true;
  }
  status_ = Status::kClosed;
  out_.clear();
  expect_.clear();
  in_body_ = false;
  pix_waiting_ = false;
  tls_handshaking_ = false;
  auth_.reset();
}

std::vector<RecipientOutcome> SmtpSession::TakeOutcomes() {
  RecipientOutcome open = Deferred(failure_.reason.empty() ? trouble::NotCompleted() : failure_);
  // Still open: elsewhere only when this server never got as far as the
  // message (the try-next-address case); otherwise be safe.
  open.may_try_elsewhere = try_next_address_;
  std::vector<RecipientOutcome> out = rcpts_.Take(open);
  msg_ = nullptr;
  return out;
}

void SmtpSession::OnReceived(absl::string_view data, absl::Time now) {
  if (status_ == Status::kClosed) return;
  parser_.Feed(data);
  while (status_ != Status::kClosed && !tls_handshaking_) {
    std::optional<SmtpReply> reply = parser_.Next();
    if (!reply) break;
    for (const std::string& line : reply->lines) Record("S: " + line);
    last_activity_ = now;
    ++message_replies_;
    HandleReply(*reply, now);
  }
  if (status_ != Status::kClosed && !parser_.error().empty()) {
    for (const std::string& line : parser_.error_lines()) Record("S: " + line);
    const Phase phase = expect_.empty() ? waiting_phase_ : expect_.front().phase;
    if (parser_.over_budget()) {
      // Every server would meet the same budget: defer, try no other.
      return Fail(trouble::ReplyMemoryExhausted(peer_, phase, parser_.error()), now, false);
    }
    protocol_error_ = true;
    Fail(trouble::MalformedReply(peer_, phase, parser_.error()), now, !greeted_);
  }
}

void SmtpSession::HandleReply(const SmtpReply& reply, absl::Time now) {
  if (expect_.empty()) {
    if (status_ == Status::kReady) {
      // An idle server may say goodbye (421 on its idle timeout).
      failure_ = trouble::SaidWhileIdle(peer_, reply);
      status_ = Status::kClosed;
      return;
    }
    protocol_error_ = true;
    Fail(trouble::UnexpectedReply(peer_, reply), now, false);
    return;
  }
  const Expect e = expect_.front();
  expect_.pop_front();
  waiting_phase_ = e.phase;
  if (reply.code == 421 && e.phase != Phase::kGreeting && e.phase != Phase::kQuit &&
      e.phase != Phase::kIgnoredDot) {
    return ServerClosing(e.phase, reply, now);
  }
  switch (e.phase) {
    case Phase::kGreeting: return HandleGreeting(reply, now);
    case Phase::kEhlo:
    case Phase::kHelo: return HandleHandshake(e.phase, reply, now);
    case Phase::kMail: return HandleMail(reply, now);
    case Phase::kRcpt: return HandleRcpt(e.rcpt, reply, now);
    case Phase::kData: return HandleData(reply, now);
    case Phase::kBody:
    case Phase::kDot: return HandleDot(reply, now);
    case Phase::kIgnoredDot: return EndTransaction(now);
    case Phase::kBdat: return HandleBdat(reply, false, now);
    case Phase::kBdatLast: return HandleBdat(reply, true, now);
    case Phase::kRset:
      if (!reply.accepted()) {
        return Fail(trouble::Said(peer_, reply, Phase::kRset), now, false);
      }
      need_rset_ = false;
      if (!expect_.empty()) return;  // pipelined: the transaction is under way
      if (msg_ != nullptr && !message_finished_) return BeginTransaction(now);
      status_ = Status::kReady;
      return;
    case Phase::kQuit: status_ = Status::kClosed; return;
    case Phase::kStartTls: return HandleStartTls(reply, now);
    case Phase::kAuth:
      if (!auth_) auth_ = std::make_unique<SmtpAuth>(sec_, peer_);  // a reply no exchange asked for
      return AuthStep(auth_->OnReply(reply), &reply, now);
    case Phase::kTlsHandshake: return;  // never expected
  }
}

// 421: the server is closing the connection (RFC 5321 section 3.8), so
// nothing more will be answered here, not even a fallback to HELO or plain
// text. What is still open is deferred with this reply; the attempt may
// give it to the next server (smtp_trouble.h).
void SmtpSession::ServerClosing(Phase phase, const SmtpReply& reply, absl::Time now) {
  const RecipientOutcome o = FromReply(reply, phase);
  if (msg_ != nullptr && !message_finished_) {
    rcpts_.DecideRemaining(o);
    message_finished_ = true;
  }
  Fail({o.reason, o.enhanced}, now, false);
}

// A Cisco PIX firewall's greeting hides the server's ("220 *****...");
// Postfix checks for nothing but those characters (smtp_proto.c).
bool IsPixGreeting(const SmtpReply& reply) {
  const std::string all = reply.Quoted();
  return all.find_first_not_of("20 *\t") == std::string::npos;
}

void SmtpSession::HandleGreeting(const SmtpReply& reply, absl::Time now) {
  if (reply.accepted()) {
    greeted_ = true;
    // PIX workarounds: where smtp_pix_workaround_maps says so, or for a
    // greeting that looks like one, and nowhere else.
    const std::vector<std::string> none;
    const std::vector<std::string>& pix = sec_.pix_workarounds   ? *sec_.pix_workarounds
                                          : IsPixGreeting(reply) ? s_.pix_workarounds
                                                                 : none;
    const auto has = [&pix](absl::string_view w) {
      return std::find(pix.begin(), pix.end(), w) != pix.end();
    };
    pix_delay_dotcrlf_ = has("delay_dotcrlf");
    const bool ehlo = !s_.never_send_ehlo && !has("disable_esmtp") &&
                      (s_.always_send_ehlo || absl::StrContains(absl::AsciiStrToUpper(reply.text), "ESMTP"));
    Send(ehlo ? Phase::kEhlo : Phase::kHelo, absl::StrCat(ehlo ? "EHLO " : "HELO ", s_.helo_name));
    last_activity_ = now;
    return;
  }
  const bool skip = reply.code / 100 == 4 ? s_.skip_4xx_greeting : s_.skip_5xx_greeting;
  if (skip || msg_ == nullptr) return Fail(trouble::RefusedToTalk(peer_, reply), now, true);
  rcpts_.DecideRemaining(FromReply(reply, Phase::kGreeting));
  message_finished_ = true;
  Quit(now);
}

void SmtpSession::HandleHandshake(Phase phase, const SmtpReply& reply, absl::Time now) {
  if (reply.accepted()) {
    features_ = phase == Phase::kEhlo ? ParseEhloFeatures(reply) : EhloFeatures{};
    return AfterHandshake(now);
  }
  if (phase == Phase::kEhlo) {  // no ESMTP: fall back to HELO
    Send(Phase::kHelo, absl::StrCat("HELO ", s_.helo_name));
    return;
  }
  if (msg_ == nullptr) return Fail(trouble::Said(peer_, reply, phase), now, false);
  rcpts_.DecideRemaining(FromReply(reply, phase));
  message_finished_ = true;
  Quit(now);
}

void SmtpSession::AfterHandshake(absl::Time now) {
  last_activity_ = now;
  if (!tls_.used && sec_.tls_level != TlsLevel::kNone && !sec_.no_starttls) {
    if (features_.starttls) return Send(Phase::kStartTls, "STARTTLS");
    if (sec_.tls_level >= TlsLevel::kEncrypt) {
      // Never fall back to plain text when the policy demands TLS.
      return Fail(trouble::TlsNotOffered(peer_), now, true);
    }
  }
  if (AuthWanted()) return StartAuth(now);
  if (msg_ != nullptr && !message_finished_) return BeginTransaction(now);
  status_ = Status::kReady;
}

void SmtpSession::HandleStartTls(const SmtpReply& reply, absl::Time now) {
  if (reply.accepted()) {
    // CVE-2011-0411: whatever the server sent after its 220 came in the
    // clear and must not be taken as a reply inside TLS.
    if (parser_.has_pending_input()) Record("(discarded what the server sent after its STARTTLS reply)");
    parser_.Clear();
    tls_handshaking_ = true;
    last_activity_ = now;
    return;
  }
  if (sec_.tls_level >= TlsLevel::kEncrypt) {
    return Fail(trouble::TlsRefused(peer_, reply), now, true);
  }
  sec_.no_starttls = true;  // opportunistic: go on in plain text
  AfterHandshake(now);
}

void SmtpSession::OnTlsEstablished(const TlsSessionInfo& info, absl::Time now) {
  if (!tls_handshaking_ || status_ == Status::kClosed) return;
  tls_handshaking_ = false;
  tls_ = info;
  last_activity_ = now;
  Record(absl::StrCat("(", info.Verification(), " TLS connection established: ", info.protocol,
                      " with cipher ", info.cipher, info.resumed ? ", session resumed" : "", ")"));
  if (sec_.tls_level >= TlsLevel::kVerify) {
    if (!info.trusted) {
      return Fail(trouble::CertificateNotTrusted(peer_, info.trust_error), now, true);
    }
    if (!info.matched) {
      return Fail(trouble::CertificateNotMatched(peer_), now, true);
    }
  }
  if (sec_.wrappermode) return;  // the greeting comes next
  // RFC 3207: forget what was said in the clear and ask again.
  features_ = EhloFeatures{};
  Send(Phase::kEhlo, absl::StrCat("EHLO ", s_.helo_name));
}

// After a failed handshake (an error or smtp_starttls_timeout) opportunistic
// TLS tries the same server again in plain text, as Postfix does, except
// when we would authenticate to it: credentials are not for plain text.
bool SmtpSession::PlainTextRetryAllowed() const {
  const bool would_authenticate = sec_.sasl != nullptr && !sec_.credentials.user.empty();
  return sec_.tls_level == TlsLevel::kMay && !sec_.wrappermode && !would_authenticate;
}

void SmtpSession::OnTlsFailed(const std::string& why, absl::Time now) {
  if (!tls_handshaking_ || status_ == Status::kClosed) return;
  tls_handshaking_ = false;
  retry_without_tls_ = PlainTextRetryAllowed();
  Fail(trouble::TlsHandshakeFailed(peer_, why), now, true);
}

bool SmtpSession::AuthWanted() const {
  // No AUTH offered: deliver without it, as Postfix does.
  return sec_.sasl != nullptr && !sec_.credentials.user.empty() && !authenticated_ &&
         !features_.auth_mechanisms.empty();
}

void SmtpSession::StartAuth(absl::Time now) {
  last_activity_ = now;
  auth_ = std::make_unique<SmtpAuth>(sec_, peer_);
  AuthStep(auth_->Start(features_.auth_mechanisms, tls_.used), nullptr, now);
}

void SmtpSession::AuthStep(const SmtpAuth::Step& step, const SmtpReply* reply, absl::Time now) {
  switch (step.kind) {
    case SmtpAuth::Step::kSend:
      if (step.shown.empty()) return Send(Phase::kAuth, step.command);
      return SendSecret(Phase::kAuth, step.command, step.shown);
    case SmtpAuth::Step::kAuthenticated:
      authenticated_ = true;
      auth_.reset();
      last_activity_ = now;
      if (msg_ != nullptr && !message_finished_) return BeginTransaction(now);
      status_ = Status::kReady;
      return;
    case SmtpAuth::Step::kFailed: return AuthFailed(step.failure, step.refused ? reply : nullptr, now);
  }
}

void SmtpSession::AuthFailed(const Trouble& t, const SmtpReply* reply, absl::Time now) {
  auth_.reset();
  if (reply != nullptr && reply->permanent() && !sec_.sasl_soft_bounce && msg_ != nullptr &&
      !message_finished_) {
    RecipientOutcome o = FromReply(*reply, Phase::kAuth);
    o.reason = t.reason;
    rcpts_.DecideRemaining(o);
    message_finished_ = true;
    return Quit(now);
  }
  // smtp_sasl_auth_soft_bounce: a rejected login is the sender's problem
  // only after an operator looked at it; try the next server, then defer.
  Fail(t, now, true);
}

SmtpSession::Ending SmtpSession::ending() const {
  Ending e;
  e.failure = failure_;
  if (message_finished_ && status_ != Status::kClosed) {
    e.kind = Ending::kMessageDone;
  } else if (status_ != Status::kClosed) {
    e.kind = Ending::kRunning;
  } else if (retry_without_tls_ && !sec_.no_starttls) {
    e.kind = Ending::kRetryWithoutTls;
  } else if (try_next_address_) {
    e.kind = Ending::kTryNextAddress;
  } else {
    e.kind = message_finished_ ? Ending::kMessageDone : Ending::kClosed;
  }
  return e;
}

bool SmtpSession::awaiting_final_reply() const {
  for (const Expect& e : expect_) {
    if (e.phase == Phase::kDot || e.phase == Phase::kBdatLast) return true;
  }
  return false;
}

void SmtpSession::Reset(absl::Time now) {
  status_ = Status::kBusy;
  Send(Phase::kRset, "RSET");
  last_activity_ = now;
}

void SmtpSession::Quit(absl::Time now) {
  Send(Phase::kQuit, "QUIT");
  last_activity_ = now;
  if (s_.skip_quit_response) {
    expect_.clear();
    status_ = Status::kClosed;
  } else {
    status_ = Status::kBusy;
  }
}

void SmtpSession::Abandon(const std::string& reason) {
  failure_ = {reason, "4.3.2"};
  if (msg_ != nullptr && !message_finished_) {
    RecipientOutcome o = Deferred(failure_);
    o.may_try_elsewhere = false;
    rcpts_.DecideRemaining(o);
    message_finished_ = true;
  }
  status_ = Status::kClosed;
  out_.clear();
  expect_.clear();
  in_body_ = false;
  pix_waiting_ = false;
}

void SmtpSession::OnOutputDrained(absl::Time now) {
  if (in_body_) {
    last_activity_ = now;  // the server is reading: progress
    PumpBody(now);
  }
}

void SmtpSession::OnTimer(absl::Time now) {
  std::optional<absl::Time> d = deadline();
  if (!d || now < *d) return;
  if (pix_waiting_) return SendFinalDot(now);
  const Phase phase = tls_handshaking_  ? Phase::kTlsHandshake
                      : in_body_        ? Phase::kBody
                      : expect_.empty() ? waiting_phase_
                                        : expect_.front().phase;
  if (phase == Phase::kQuit) {
    status_ = Status::kClosed;  // no answer to QUIT: nothing lost
    return;
  }
  if (phase == Phase::kTlsHandshake) retry_without_tls_ = PlainTextRetryAllowed();
  Fail(trouble::TimedOut(peer_, phase), now, phase == Phase::kGreeting || phase == Phase::kTlsHandshake);
}

void SmtpSession::OnConnectionLost(absl::string_view why, absl::Time now) {
  if (status_ == Status::kClosed) return;
  if (status_ == Status::kReady) {
    failure_ = trouble::LostConnectionWhileIdle(peer_);
    status_ = Status::kClosed;
    return;
  }
  const Phase phase = tls_handshaking_  ? Phase::kTlsHandshake
                      : in_body_        ? Phase::kBody
                      : expect_.empty() ? waiting_phase_
                                        : expect_.front().phase;
  if (phase == Phase::kQuit) {
    status_ = Status::kClosed;
    return;
  }
  // Before the greeting, or a cached connection that died before answering
  // anything for this message: another connection may do better.
  const bool try_next = !greeted_ || (reused_ && message_replies_ == 0) || phase == Phase::kTlsHandshake;
  Fail(trouble::LostConnection(peer_, phase, why), now, try_next);
}

}  // namespace mxd
