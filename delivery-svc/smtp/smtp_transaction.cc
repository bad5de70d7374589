// SmtpSession, part two: one mail transaction (Postfix's smtp_proto.c from
// MAIL FROM on): MAIL, RCPT (pipelined when offered), DATA or BDAT, the
// content through BodyTransfer, the replies that decide each recipient, and
// the next transaction when recipient_limit splits the message. The
// connection's life (greeting, EHLO, STARTTLS, AUTH, timeouts, failures) is
// in smtp_session.cc.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "delivery-svc/smtp/smtp_session.h"

namespace mxd {

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
  if (need_rset_ && !features_.pipelining) {
    Send(Phase::kRset, "RSET");  // its reply begins the transaction
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

  const BodyParameter body = send_binary_ ? BodyParameter::kBinaryMime
                             : msg_->eight_bit && features_.eightbitmime && !convert_
                                 ? BodyParameter::kEightBitMime
                                 : BodyParameter::kNone;
  if (need_rset_) {
    // RFC 2920: RSET may lead the pipelined group. Its reply still comes
    // first, so a dead or refusing cached connection is found before any
    // content leaves, one round trip sooner.
    Send(Phase::kRset, "RSET");
    need_rset_ = false;
  }
  Send(Phase::kMail, MailCommand(*msg_, features_, size, body));
  if (features_.pipelining) {
    // RFC 2920: MAIL, every RCPT and DATA in one batch; replies come in order.
    for (size_t i = txn_begin_; i < txn_end_; ++i) Send(Phase::kRcpt, RcptCommand(*msg_, features_, i), i);
    // With BDAT the content waits for the RCPT replies: nothing is sent for
    // a transaction without recipients.
    if (!use_bdat_) Send(Phase::kData, "DATA");
  }
}

void SmtpSession::HandleMail(const SmtpReply& reply, absl::Time now) {
  if (reply.accepted()) {
    mail_accepted_ = true;
    if (!features_.pipelining) Send(Phase::kRcpt, RcptCommand(*msg_, features_, txn_begin_), txn_begin_);
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
  if (reply.accepted()) {
    accepted_.push_back(rcpt);
  } else {
    RecipientOutcome o = FromReply(reply, Phase::kRcpt);
    o.dsn_passed = DsnFor(*msg_, features_, rcpt);
    rcpts_.Decide(rcpt, std::move(o));
  }
  if (features_.pipelining) {
    if (use_bdat_ && rcpt + 1 == txn_end_) StartContent(now);
    return;
  }
  if (rcpt + 1 < txn_end_) {
    Send(Phase::kRcpt, RcptCommand(*msg_, features_, rcpt + 1), rcpt + 1);
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
      if (reply.accepted()) {  // 2xx to DATA is not an invitation to send
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
  if (!convert_) return true;
  if (!scan_) scan_ = msg_->conversion;  // run where the message was spooled
  if (!scan_) {
    // Not run yet: run it now, before MAIL FROM, so a message that cannot
    // be converted bounces before anything is sent.
    scan_ = BodyTransfer::PlanConversion(*msg_->content, s_.mime_limits);
    if (!scan_) {
      Fail(trouble::ContentUnreadable(), now, false);
      return false;
    }
  }
  if (scan_->error) {
    BounceMessage(trouble::CannotConvert(peer_, scan_->error->reason, scan_->error->enhanced));
    return false;
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
  MimeLimits limits = s_.mime_limits;
  limits.exact_line_breaks = msg_->binary;
  const BodyTransfer::Framing framing = !use_bdat_     ? BodyTransfer::Framing::kData
                                        : send_binary_ ? BodyTransfer::Framing::kBdatBinary
                                                       : BodyTransfer::Framing::kBdat;
  body_ = std::make_unique<BodyTransfer>(msg_->content, framing, s_.line_length_limit,
                                         convert_ ? &scan_->plan : nullptr, limits);
  waiting_phase_ = Phase::kBody;
  last_activity_ = now;
  PumpBody(now);
}

void SmtpSession::HandleBdat(const SmtpReply& reply, bool last, absl::Time now) {
  if (!bdat_failed_) {
    if (!reply.accepted()) {
      // Refused midway: the transaction is over for every accepted recipient;
      // replies to chunks already sent are ignored.
      bdat_failed_ = true;
      in_body_ = false;
      need_rset_ = true;
      for (size_t i : accepted_) rcpts_.Decide(i, FromReply(reply, last ? Phase::kBdatLast : Phase::kBdat));
    } else if (last) {
      for (size_t i : accepted_) {
        RecipientOutcome o = FromReply(reply, Phase::kBdatLast);
        o.dsn_passed = DsnFor(*msg_, features_, i);
        rcpts_.Decide(i, std::move(o));
      }
    }
  }
  if (!in_body_) EndTransaction(now);
}

void SmtpSession::PumpBody(absl::Time now) {
  while (in_body_ && out_.size() < kBodyBufferHighWater) {
    if (use_bdat_) {
      // RFC 3030: each chunk says its size; the last one says LAST.
      std::string chunk;
      const BodyTransfer::Result r = body_->Next(&chunk);
      if (r == BodyTransfer::Result::kUnreadable) return Fail(trouble::ContentUnreadable(), now, false);
      const bool last = r == BodyTransfer::Result::kLast;
      if (last) in_body_ = false;
      Send(last ? Phase::kBdatLast : Phase::kBdat, absl::StrCat("BDAT ", chunk.size(), last ? " LAST" : ""));
      out_ += chunk;
      continue;
    }
    const BodyTransfer::Result r = body_->Next(&out_);
    if (r == BodyTransfer::Result::kUnreadable) return Fail(trouble::ContentUnreadable(), now, false);
    if (r == BodyTransfer::Result::kLast) {
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
    o.dsn_passed = DsnFor(*msg_, features_, i);
    rcpts_.Decide(i, std::move(o));
  }
  EndTransaction(now);
}

void SmtpSession::EndTransaction(absl::Time now) {
  if (!expect_.empty()) return;  // pipelined replies of this transaction still to come
  BeginTransaction(now);
}

void SmtpSession::FinishMessage() {
  message_finished_ = true;
  status_ = Status::kReady;
}

void SmtpSession::StartMessage(const MessageEnvelope* msg, absl::Time now) {
  msg_ = msg;
  scan_.reset();
  rcpts_ = RecipientTable(msg->recipients.size());
  message_finished_ = false;
  if (status_ != Status::kReady) return;  // fresh: the handshake goes on, then BeginTransaction()
  reused_ = true;
  need_rset_ = true;  // RSET between messages: clears state, proves the connection alive
  message_replies_ = 0;
  txn_end_ = 0;
  status_ = Status::kBusy;
  BeginTransaction(now);
}

}  // namespace mxd
