#include "delivery-svc/smtp/smtp_session.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/text/printable.h"
#include "delivery-svc/smtp/envelope_check.h"

namespace mxd {
namespace {

constexpr size_t kReadSize = 64 * 1024;
constexpr size_t kMaxTranscriptLineLength = 512;

bool Accepted(const SmtpReply& r) { return r.code / 100 == 2; }

}  // namespace

// RFC 3461 xtext: "+", "=" and octets outside 33..126 as "+XX".
std::string XtextEncode(absl::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c < 33 || c > 126 || c == '+' || c == '=') {
      out.push_back('+');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

SmtpSession::SmtpSession(SessionSettings settings, SmtpPeer peer, const MessageEnvelope* msg, absl::Time now,
                         SessionSecurity security)
    : s_(std::move(settings)),
      peer_(std::move(peer)),
      sec_(std::move(security)),
      last_activity_(now),
      encoder_(s_.line_length_limit) {
  expect_.push_back({Phase::kGreeting});
  // Wrapper mode: the handshake comes before the greeting.
  tls_handshaking_ = sec_.wrappermode && sec_.tls_level != TlsLevel::kNone;
  if (msg != nullptr) {
    msg_ = msg;
    rcpts_ = RecipientTable(msg->recipients.size());
  }
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
  sasl_.reset();
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
    protocol_error_ = true;
    const Phase phase = expect_.empty() ? waiting_phase_ : expect_.front().phase;
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
      if (!Accepted(reply)) {
        return Fail(trouble::Said(peer_, reply, Phase::kRset), now, false);
      }
      need_rset_ = false;
      if (msg_ != nullptr && !message_finished_) return BeginTransaction(now);
      status_ = Status::kReady;
      return;
    case Phase::kQuit: status_ = Status::kClosed; return;
    case Phase::kStartTls: return HandleStartTls(reply, now);
    case Phase::kAuth: return HandleAuth(reply, now);
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
  if (Accepted(reply)) {
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
  if (Accepted(reply)) {
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
  if (Accepted(reply)) {
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

namespace {

// Mechanisms whose first message comes from the client (RFC 4954 initial
// response); the others wait for the server's challenge.
bool ClientFirst(absl::string_view mech) {
  return mech == "PLAIN" || absl::StartsWith(mech, "SCRAM-") || mech == "ANONYMOUS" || mech == "EXTERNAL";
}

}  // namespace

void SmtpSession::StartAuth(absl::Time now) {
  last_activity_ = now;
  const SaslSecurityOptions& options = tls_.used ? sec_.sasl_tls_options : sec_.sasl_options;
  const std::string mech = sec_.sasl->Choose(features_.auth_mechanisms, sec_.mechanism_filter, options);
  if (mech.empty()) return AuthFailed(trouble::SaslCannot(peer_, "no mechanism available"), nullptr, now);
  absl::StatusOr<std::unique_ptr<SaslExchange>> x = sec_.sasl->Start(mech, sec_.credentials, peer_.host);
  if (!x.ok()) return AuthFailed(trouble::SaslCannot(peer_, x.status().message()), nullptr, now);
  sasl_ = std::move(*x);
  if (!ClientFirst(mech)) return Send(Phase::kAuth, absl::StrCat("AUTH ", mech));
  absl::StatusOr<std::string> initial = sasl_->InitialResponse();
  if (!initial.ok()) return AuthFailed(trouble::SaslCannot(peer_, initial.status().message()), nullptr, now);
  // Never in transcripts or logs: the response carries the password.
  SendSecret(Phase::kAuth, absl::StrCat("AUTH ", mech, " ", initial->empty() ? "=" : *initial),
             absl::StrCat("AUTH ", mech, " (initial response hidden)"));
}

void SmtpSession::HandleAuth(const SmtpReply& reply, absl::Time now) {
  if (reply.code == 334 && sasl_) {
    absl::StatusOr<std::string> response = sasl_->Respond(absl::StripAsciiWhitespace(reply.text));
    if (!response.ok()) {
      return AuthFailed(trouble::SaslCannot(peer_, response.status().message()), nullptr, now);
    }
    return SendSecret(Phase::kAuth, *response, "(SASL response hidden)");
  }
  if (Accepted(reply)) {
    authenticated_ = true;
    sasl_.reset();
    last_activity_ = now;
    if (msg_ != nullptr && !message_finished_) return BeginTransaction(now);
    status_ = Status::kReady;
    return;
  }
  AuthFailed(trouble::SaslRefused(peer_, reply), &reply, now);
}

void SmtpSession::AuthFailed(const Trouble& t, const SmtpReply* reply, absl::Time now) {
  sasl_.reset();
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

void SmtpSession::BeginTransaction(absl::Time now) {
  handshake_completed_ = true;
  const size_t n = msg_->recipients.size();
  if (txn_end_ >= n) return FinishMessage();
  if (txn_end_ > 0 && now > msg_->start_by) {
    RecipientOutcome o = Deferred(trouble::NoTimeForTransaction(peer_));
    o.may_try_elsewhere = false;
    rcpts_.DecideRemaining(o);
    return FinishMessage();
  }
  if (need_rset_) {
    Send(Phase::kRset, "RSET");
    last_activity_ = now;
    return;
  }
  txn_begin_ = txn_end_;
  txn_end_ = std::min(n, txn_begin_ + std::max<size_t>(1, s_.recipient_limit));
  accepted_.clear();
  mail_accepted_ = false;
  use_bdat_ = s_.chunking && features_.chunking;
  // RFC 3030: binary content needs BDAT; without BINARYMIME it is converted.
  send_binary_ = msg_->binary && use_bdat_ && features_.binarymime;
  bdat_failed_ = false;
  status_ = Status::kBusy;
  last_activity_ = now;

  const uint64_t size = msg_->content ? msg_->content->size() : 0;
  if (features_.size && features_.size_limit > 0 && size > features_.size_limit) {
    return BounceMessage(trouble::TooBig(peer_, size, features_.size_limit));
  }

  if (msg_->smtputf8 && !features_.smtputf8) {
    // RFC 6531: without SMTPUTF8 the server cannot take this message.
    return BounceMessage(trouble::Smtputf8NotOffered(peer_));
  }

  if (!PrepareConversion(now)) return;

  std::string mail = absl::StrCat("MAIL FROM:<", msg_->sender, ">");
  if (features_.size) absl::StrAppend(&mail, " SIZE=", size);
  if (send_binary_) {
    absl::StrAppend(&mail, " BODY=BINARYMIME");
  } else if (msg_->eight_bit && features_.eightbitmime && !convert_) {
    absl::StrAppend(&mail, " BODY=8BITMIME");
  }
  if (msg_->smtputf8) absl::StrAppend(&mail, " SMTPUTF8");
  if (features_.dsn) {
    if (!msg_->dsn_ret.empty()) absl::StrAppend(&mail, " RET=", msg_->dsn_ret);
    if (!msg_->dsn_envid.empty()) absl::StrAppend(&mail, " ENVID=", XtextEncode(msg_->dsn_envid));
  }
  Send(Phase::kMail, mail);
  if (features_.pipelining) {
    // RFC 2920: MAIL, every RCPT and DATA in one batch; replies come in order.
    for (size_t i = txn_begin_; i < txn_end_; ++i) Send(Phase::kRcpt, RcptCommand(i), i);
    // With BDAT the content waits for the RCPT replies: nothing is sent for
    // a transaction without recipients.
    if (!use_bdat_) Send(Phase::kData, "DATA");
  }
}

void SmtpSession::HandleMail(const SmtpReply& reply, absl::Time now) {
  if (Accepted(reply)) {
    mail_accepted_ = true;
    if (!features_.pipelining) Send(Phase::kRcpt, RcptCommand(txn_begin_), txn_begin_);
    return;
  }
  for (size_t i = txn_begin_; i < txn_end_; ++i) rcpts_.Decide(i, FromReply(reply, Phase::kMail));
  // Pipelined RCPT and DATA replies still come and are ignored.
  if (!features_.pipelining) EndTransaction(now);
}

void SmtpSession::HandleRcpt(size_t rcpt, const SmtpReply& reply, absl::Time now) {
  if (!mail_accepted_) {  // MAIL failed: already decided
    // Pipelined without DATA (BDAT): the last RCPT reply ends the transaction.
    if (use_bdat_ && rcpt + 1 == txn_end_) EndTransaction(now);
    return;
  }
  if (Accepted(reply)) {
    accepted_.push_back(rcpt);
  } else {
    RecipientOutcome o = FromReply(reply, Phase::kRcpt);
    o.dsn_passed = DsnFor(rcpt);
    rcpts_.Decide(rcpt, std::move(o));
  }
  if (features_.pipelining) {
    if (use_bdat_ && rcpt + 1 == txn_end_) StartContent(now);
    return;
  }
  if (rcpt + 1 < txn_end_) {
    Send(Phase::kRcpt, RcptCommand(rcpt + 1), rcpt + 1);
  } else {
    StartContent(now);
  }
}

void SmtpSession::StartContent(absl::Time now) {
  if (accepted_.empty()) {
    need_rset_ = true;  // MAIL is open: clear it before the next transaction
    return EndTransaction(now);
  }
  if (!use_bdat_) return Send(Phase::kData, "DATA");
  StartBody(now);
}

void SmtpSession::HandleData(const SmtpReply& reply, absl::Time now) {
  if (reply.code / 100 == 3) {
    if (!mail_accepted_ || accepted_.empty()) {
      // The server took DATA with no valid recipient: end it at once.
      need_rset_ = true;
      Send(Phase::kIgnoredDot, ".");
      return;
    }
    StartBody(now);
    return;
  }
  if (mail_accepted_) {
    need_rset_ = true;
    for (size_t i : accepted_) {
      if (Accepted(reply)) {  // 2xx to DATA is not an invitation to send
        protocol_error_ = true;
        rcpts_.Decide(i, Deferred(trouble::UnexpectedDataReply(peer_, reply)));
      } else {
        rcpts_.Decide(i, FromReply(reply, Phase::kData));
      }
    }
  }
  EndTransaction(now);
}

bool SmtpSession::PrepareConversion(absl::Time now) {
  // Binary content without BINARYMIME may hold bare CR/LF, NUL and any
  // line length, which even 8BITMIME does not allow: converted as well.
  convert_ = msg_->eight_bit && (!features_.eightbitmime || (msg_->binary && !send_binary_)) &&
             s_.mime_output_conversion && msg_->content != nullptr;
  if (!convert_ || scanned_) return true;
  // First pass: find mislabelled leaves and nesting too deep before
  // anything is sent (Postfix finds the latter only midway and aborts).
  MimeScanner scanner(s_.mime_limits);
  for (uint64_t offset = 0;;) {
    if (!msg_->content->Read(offset, kReadSize, &chunk_)) {
      Fail(trouble::ContentUnreadable(), now, false);
      return false;
    }
    if (chunk_.empty()) break;
    offset += chunk_.size();
    scanner.Feed(chunk_);
  }
  scanner.Finish();
  scanned_ = true;
  if (const MimeError* e = scanner.error()) {
    BounceMessage(trouble::CannotConvert(peer_, e->reason, e->enhanced));
    return false;
  }
  mime_plan_ = scanner.plan();
  return true;
}

bool SmtpSession::NextContent(std::string* piece) {
  piece->clear();
  while (piece->empty()) {
    if (convert_ && converter_finished_) return true;
    if (!msg_->content->Read(body_offset_, kReadSize, &chunk_)) return false;
    body_offset_ += chunk_.size();
    if (!convert_) {
      piece->swap(chunk_);
      return true;
    }
    if (chunk_.empty()) {
      converter_->Finish(piece);
      converter_finished_ = true;
    } else {
      converter_->Feed(chunk_, piece);
    }
  }
  return true;
}

void SmtpSession::StartBody(absl::Time now) {
  // Nothing may come before the content is sent (after 354, or after the
  // RCPT replies with BDAT): a "250" sent ahead would otherwise be taken as
  // the reply to content the server never saw (found by
  // tests/fuzz/session_fuzz).
  if (parser_.has_pending_input()) {
    Record("(discarded what the server sent before the message content)");
    parser_.Clear();
  }
  in_body_ = true;
  body_offset_ = 0;
  if (convert_) {
    MimeLimits limits = s_.mime_limits;
    limits.exact_line_breaks = msg_->binary;
    converter_ = std::make_unique<MimeConverter>(mime_plan_, limits);
    converter_finished_ = false;
  }
  encoder_ = DataEncoder(s_.line_length_limit, /*dot_stuff=*/!use_bdat_);
  waiting_phase_ = Phase::kBody;
  last_activity_ = now;
  PumpBody(now);
}

void SmtpSession::HandleBdat(const SmtpReply& reply, bool last, absl::Time now) {
  if (!bdat_failed_) {
    if (!Accepted(reply)) {
      // Refused midway: the transaction is over for every accepted recipient;
      // replies to chunks already sent are ignored.
      bdat_failed_ = true;
      in_body_ = false;
      need_rset_ = true;
      for (size_t i : accepted_) rcpts_.Decide(i, FromReply(reply, last ? Phase::kBdatLast : Phase::kBdat));
    } else if (last) {
      for (size_t i : accepted_) {
        RecipientOutcome o = FromReply(reply, Phase::kBdatLast);
        o.dsn_passed = DsnFor(i);
        rcpts_.Decide(i, std::move(o));
      }
    }
  }
  if (!in_body_) EndTransaction(now);
}

void SmtpSession::PumpBody(absl::Time now) {
  while (in_body_ && out_.size() < kBodyBufferHighWater) {
    if (!NextContent(&converted_)) return Fail(trouble::ContentUnreadable(), now, false);
    const std::string& piece = converted_;
    if (use_bdat_) {
      // RFC 3030: each chunk says its size; the last one says LAST.
      std::string encoded;
      if (piece.empty()) {
        encoder_.Finish(&encoded);
        in_body_ = false;
        Send(Phase::kBdatLast, absl::StrCat("BDAT ", encoded.size(), " LAST"));
      } else if (send_binary_) {
        encoded = piece;  // BINARYMIME: octets as they are, no line handling
        Send(Phase::kBdat, absl::StrCat("BDAT ", encoded.size()));
      } else {
        encoder_.Encode(piece, &encoded);
        Send(Phase::kBdat, absl::StrCat("BDAT ", encoded.size()));
      }
      out_ += encoded;
      continue;
    }
    if (piece.empty()) {
      encoder_.Finish(&out_);
      in_body_ = false;
      if (msg_->pix_workaround && pix_delay_dotcrlf_) {
        // Cisco PIX: the final dot goes in a packet of its own, later.
        pix_waiting_ = true;
        last_activity_ = now;
      } else {
        SendFinalDot(now);
      }
      return;
    }
    encoder_.Encode(piece, &out_);
  }
}

void SmtpSession::SendFinalDot(absl::Time now) {
  pix_waiting_ = false;
  Send(Phase::kDot, ".");
  last_activity_ = now;
}

void SmtpSession::HandleDot(const SmtpReply& reply, absl::Time now) {
  for (size_t i : accepted_) {
    RecipientOutcome o = FromReply(reply, Phase::kDot);
    o.dsn_passed = DsnFor(i);
    rcpts_.Decide(i, std::move(o));
  }
  EndTransaction(now);
}

void SmtpSession::EndTransaction(absl::Time now) {
  if (!expect_.empty()) return;  // pipelined replies of this transaction still to come
  BeginTransaction(now);
}

bool SmtpSession::DsnFor(size_t i) const {
  return features_.dsn && i < msg_->dsn.size() &&
         (!msg_->dsn[i].notify.empty() || !msg_->dsn[i].orcpt.empty());
}

std::string SmtpSession::RcptCommand(size_t i) const {
  std::string cmd = absl::StrCat("RCPT TO:<", msg_->recipients[i], ">");
  if (DsnFor(i)) {
    const RecipientDsn& d = msg_->dsn[i];
    if (!d.notify.empty()) absl::StrAppend(&cmd, " NOTIFY=", d.notify);
    if (!d.orcpt.empty()) {
      const auto [type, addr] = SplitOrcpt(d.orcpt);
      absl::StrAppend(&cmd, " ORCPT=", type, ";", XtextEncode(addr));
    }
  }
  return cmd;
}

void SmtpSession::FinishMessage() {
  message_finished_ = true;
  status_ = Status::kReady;
}

void SmtpSession::StartMessage(const MessageEnvelope* msg, absl::Time now) {
  msg_ = msg;
  scanned_ = false;
  rcpts_ = RecipientTable(msg->recipients.size());
  message_finished_ = false;
  reused_ = true;
  need_rset_ = true;  // RSET between messages: clears state, proves the connection alive
  message_replies_ = 0;
  txn_end_ = 0;
  status_ = Status::kBusy;
  BeginTransaction(now);
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
