#include "delivery-svc/smtp/smtp_trouble.h"

#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

std::string DefaultEnhanced(int code) {
  switch (code / 100) {
    case 2: return "2.0.0";
    case 5: return "5.0.0";
    default: return "4.0.0";
  }
}

// "... while sending RCPT TO" (Postfix's smtp_proto.c wording).
absl::string_view While(SmtpPhase phase) {
  switch (phase) {
    case SmtpPhase::kGreeting: return "receiving the initial server greeting";
    case SmtpPhase::kEhlo: return "performing the EHLO handshake";
    case SmtpPhase::kHelo: return "performing the HELO handshake";
    case SmtpPhase::kMail: return "sending MAIL FROM";
    case SmtpPhase::kRcpt: return "sending RCPT TO";
    case SmtpPhase::kData: return "sending DATA command";
    case SmtpPhase::kBody: return "sending message body";
    case SmtpPhase::kDot:
    case SmtpPhase::kIgnoredDot:
    case SmtpPhase::kBdatLast: return "sending end of data -- message may be sent more than once";
    case SmtpPhase::kBdat: return "sending message body";
    case SmtpPhase::kRset: return "sending RSET";
    case SmtpPhase::kQuit: return "sending QUIT";
    case SmtpPhase::kStartTls: return "sending STARTTLS";
    case SmtpPhase::kTlsHandshake: return "performing the TLS handshake";
    case SmtpPhase::kAuth: return "authenticating";
  }
  return "talking";
}

// "... (in reply to RCPT TO command)"
absl::string_view InReplyTo(SmtpPhase phase) {
  switch (phase) {
    case SmtpPhase::kGreeting: return "initial greeting";
    case SmtpPhase::kEhlo: return "EHLO";
    case SmtpPhase::kHelo: return "HELO";
    case SmtpPhase::kMail: return "MAIL FROM";
    case SmtpPhase::kRcpt: return "RCPT TO";
    case SmtpPhase::kData: return "DATA";
    case SmtpPhase::kBody:
    case SmtpPhase::kDot:
    case SmtpPhase::kIgnoredDot: return "end of DATA";
    case SmtpPhase::kBdat: return "BDAT";
    case SmtpPhase::kBdatLast: return "BDAT LAST";
    case SmtpPhase::kRset: return "RSET";
    case SmtpPhase::kQuit: return "QUIT";
    case SmtpPhase::kStartTls:
    case SmtpPhase::kTlsHandshake: return "STARTTLS";
    case SmtpPhase::kAuth: return "AUTH";
  }
  return "?";
}

RecipientOutcome At(const SmtpPeer& peer) {
  RecipientOutcome o;
  o.host = peer.host;
  o.ip = peer.ip;
  return o;
}

}  // namespace

namespace trouble {

RecipientOutcome FromReply(const SmtpPeer& peer, const SmtpReply& r, SmtpPhase phase) {
  RecipientOutcome o = At(peer);
  o.smtp_code = r.code;
  o.enhanced = r.enhanced.empty() ? DefaultEnhanced(r.code) : r.enhanced;
  if ((phase == SmtpPhase::kDot || phase == SmtpPhase::kBdatLast) && r.code / 100 == 2) {
    o.action = DeliveryAction::kDelivered;
    o.reason = r.Quoted();
    return o;
  }
  o.action = r.code / 100 == 5 ? DeliveryAction::kBounced : DeliveryAction::kDeferred;
  if (o.action == DeliveryAction::kDeferred && o.enhanced[0] != '4') o.enhanced = "4.0.0";
  o.may_try_elsewhere = o.action == DeliveryAction::kDeferred;  // a reply that refused it
  o.reason = phase == SmtpPhase::kGreeting ? RefusedToTalk(peer, r).reason : Said(peer, r, phase).reason;
  return o;
}

RecipientOutcome Deferred(const SmtpPeer& peer, const Trouble& t, bool content_end_sent) {
  RecipientOutcome o = At(peer);
  o.action = DeliveryAction::kDeferred;
  o.enhanced = t.enhanced;
  o.reason = t.reason;
  o.may_try_elsewhere = !content_end_sent;
  return o;
}

RecipientOutcome Bounced(const SmtpPeer& peer, const Trouble& t) {
  RecipientOutcome o = Deferred(peer, t, true);
  o.action = DeliveryAction::kBounced;
  return o;
}

Trouble Said(const SmtpPeer& peer, const SmtpReply& reply, SmtpPhase phase) {
  return {absl::StrCat("host ", peer.Name(), " said: ", reply.Quoted(), " (in reply to ", InReplyTo(phase),
                       " command)")};
}

Trouble SaidWhileIdle(const SmtpPeer& peer, const SmtpReply& reply) {
  return {absl::StrCat("host ", peer.Name(), " said: ", reply.Quoted())};
}

Trouble RefusedToTalk(const SmtpPeer& peer, const SmtpReply& reply) {
  return {absl::StrCat("host ", peer.Name(), " refused to talk to me: ", reply.Quoted())};
}

Trouble UnexpectedDataReply(const SmtpPeer& peer, const SmtpReply& reply) {
  return {
      absl::StrCat("host ", peer.Name(), " said: ", reply.Quoted(), " (unexpected reply to DATA command)")};
}

Trouble UnexpectedReply(const SmtpPeer& peer, const SmtpReply& reply) {
  return {absl::StrCat("host ", peer.Name(), " sent an unexpected reply: ", reply.Quoted())};
}

Trouble MalformedReply(const SmtpPeer& peer, SmtpPhase phase, absl::string_view error) {
  return {absl::StrCat("host ", peer.Name(), " sent a malformed reply while ", While(phase), ": ", error)};
}

Trouble ReplyMemoryExhausted(const SmtpPeer& peer, SmtpPhase phase, absl::string_view error) {
  return {absl::StrCat("delivery temporarily suspended while receiving a reply from ", peer.Name(), " while ",
                       While(phase), ": ", error),
          "4.3.0"};
}

Trouble TimedOut(const SmtpPeer& peer, SmtpPhase phase) {
  return {absl::StrCat("conversation with ", peer.Name(), " timed out while ", While(phase))};
}

Trouble LostConnection(const SmtpPeer& peer, SmtpPhase phase, absl::string_view why) {
  Trouble t{absl::StrCat("lost connection with ", peer.Name(), " while ", While(phase))};
  if (!why.empty()) absl::StrAppend(&t.reason, ": ", why);
  return t;
}

Trouble LostConnectionWhileIdle(const SmtpPeer& peer) {
  return {absl::StrCat("lost connection with ", peer.Name(), " while idle")};
}

Trouble ConnectFailed(const SmtpPeer& peer, absl::string_view why) {
  return {absl::StrCat("connect to ", peer.Name(), ":", peer.port, ": ", why), "4.4.1"};
}

Trouble NoUsableAddress(absl::string_view nexthop) {
  return {absl::StrCat("no usable address for ", nexthop, " (inet_protocols)"), "4.4.4"};
}

Trouble TlsNotOffered(const SmtpPeer& peer) {
  return {absl::StrCat("TLS is required, but was not offered by host ", peer.Name()), "4.7.4"};
}

Trouble TlsRefused(const SmtpPeer& peer, const SmtpReply& reply) {
  return {absl::StrCat("TLS is required, but host ", peer.Name(), " refused to start TLS: ", reply.Quoted()),
          "4.7.5"};
}

Trouble TlsHandshakeFailed(const SmtpPeer& peer, absl::string_view why) {
  return {absl::StrCat("Cannot start TLS: handshake failure with host ", peer.Name(), ": ", why), "4.7.5"};
}

Trouble CertificateNotTrusted(const SmtpPeer& peer, absl::string_view why) {
  return {absl::StrCat("Server certificate not trusted (host ", peer.Name(), ": ", why, ")"), "4.7.5"};
}

Trouble CertificateNotMatched(const SmtpPeer& peer) {
  return {absl::StrCat("Server certificate not verified (host ", peer.Name(),
                       ": the certificate does not match the expected names)"),
          "4.7.5"};
}

Trouble SaslCannot(const SmtpPeer& peer, absl::string_view why) {
  return {absl::StrCat("SASL authentication failed; cannot authenticate to server ", peer.Name(), ": ", why),
          "4.7.0"};
}

Trouble SaslRefused(const SmtpPeer& peer, const SmtpReply& reply) {
  return {absl::StrCat("SASL authentication failed; server ", peer.Name(), " said: ", reply.Quoted()),
          "4.7.0"};
}

Trouble TooBig(const SmtpPeer& peer, uint64_t size, uint64_t limit) {
  return {absl::StrCat("message size ", size, " exceeds size limit ", limit, " of server ", peer.Name()),
          "5.3.4"};
}

Trouble Smtputf8NotOffered(const SmtpPeer& peer) {
  return {absl::StrCat("SMTPUTF8 is required, but was not offered by host ", peer.Name()), "5.6.7"};
}

Trouble CannotConvert(const SmtpPeer& peer, absl::string_view why, absl::string_view enhanced) {
  return {absl::StrCat("cannot convert the 8-bit message to 7-bit for host ", peer.Name(),
                       ", which does not offer 8BITMIME: ", why),
          std::string(enhanced)};
}

Trouble ContentUnreadable() { return {"error reading the message content"}; }

Trouble NoTimeForTransaction(const SmtpPeer& peer) {
  return {absl::StrCat("delivery to ", peer.Name(),
                       " not continued: too little time left before the caller's deadline for another mail "
                       "transaction"),
          "4.4.7"};
}

Trouble NotCompleted() { return {"delivery was not completed"}; }

}  // namespace trouble

DeliveryTrouble::DeliveryTrouble(size_t recipients) : decided_(recipients), last_soft_(recipients) {
  for (size_t i = 0; i < recipients; ++i) open_.push_back(i);
}

void DeliveryTrouble::Absorb(std::vector<RecipientOutcome> outcomes) {
  std::vector<size_t> still_open;
  for (size_t k = 0; k < open_.size(); ++k) {
    const size_t i = open_[k];
    if (k >= outcomes.size()) {  // not reported: stays open as it was
      still_open.push_back(i);
      continue;
    }
    RecipientOutcome& o = outcomes[k];
    if (o.action == DeliveryAction::kDeferred && o.may_try_elsewhere) {
      last_soft_[i] = std::move(o);
      still_open.push_back(i);
    } else {
      decided_[i] = std::move(o);
    }
  }
  open_ = std::move(still_open);
}

void DeliveryTrouble::ServerFailed() {
  for (size_t i : open_) last_soft_[i].reset();
}

std::vector<RecipientOutcome> DeliveryTrouble::Finish(const RecipientOutcome& fallback,
                                                      absl::string_view note) {
  std::vector<RecipientOutcome> out;
  out.reserve(decided_.size());
  for (size_t i = 0; i < decided_.size(); ++i) {
    if (decided_[i]) {
      out.push_back(std::move(*decided_[i]));
    } else if (last_soft_[i]) {
      out.push_back(std::move(*last_soft_[i]));
      out.back().reason.append(note.data(), note.size());
    } else {
      out.push_back(fallback);
      out.back().reason.append(note.data(), note.size());
    }
  }
  open_.clear();
  return out;
}

}  // namespace mxd
