// What each server's answers mean for the rest of a delivery (Postfix's
// smtp_trouble.c, as Postfix has done it since 2.3): a recipient that a
// server delivered or refused for good (5xx) is decided; one that met a
// temporary failure the server certainly did not accept the message through
// (4xx, 421, a timeout or lost connection before the end of the content went
// out) stays open for the next server; when no server is left, each open
// recipient is deferred with the last thing that happened to it.
//
// This file also words every reason, as Postfix's smtp(8) words it, so the
// session and the attempt say what happened and this file says how.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "delivery-svc/smtp/delivery_outcome.h"
#include "delivery-svc/smtp/smtp_peer.h"
#include "delivery-svc/smtp/smtp_phase.h"
#include "delivery-svc/smtp/smtp_reply.h"

namespace mxd {

// One failure: its reason and RFC 3463 status.
struct Trouble {
  std::string reason;
  std::string enhanced = "4.4.2";
};

namespace trouble {

// A server's reply as a recipient's outcome: delivered (2xx to the end of
// the content), bounced (5xx) or deferred (the rest; may go to another
// server, since a reply refused it).
RecipientOutcome FromReply(const SmtpPeer& peer, const SmtpReply& reply, SmtpPhase phase);
// A failure no reply decided, deferred. It may go to another server unless
// the end of the content already went out: that server may have taken it.
RecipientOutcome Deferred(const SmtpPeer& peer, const Trouble& t, bool content_end_sent);
// The same outcome bounced (the server cannot take this message at all).
RecipientOutcome Bounced(const SmtpPeer& peer, const Trouble& t);

// "host X said: ... (in reply to RSET command)"
Trouble Said(const SmtpPeer& peer, const SmtpReply& reply, SmtpPhase phase);
Trouble SaidWhileIdle(const SmtpPeer& peer, const SmtpReply& reply);
Trouble RefusedToTalk(const SmtpPeer& peer, const SmtpReply& reply);
Trouble UnexpectedDataReply(const SmtpPeer& peer, const SmtpReply& reply);
Trouble UnexpectedReply(const SmtpPeer& peer, const SmtpReply& reply);
Trouble MalformedReply(const SmtpPeer& peer, SmtpPhase phase, absl::string_view error);
// Ours, not the server's: delivery_reply_memory_limit is spent (4.3.0).
Trouble ReplyMemoryExhausted(const SmtpPeer& peer, SmtpPhase phase, absl::string_view error);
Trouble TimedOut(const SmtpPeer& peer, SmtpPhase phase);
Trouble LostConnection(const SmtpPeer& peer, SmtpPhase phase, absl::string_view why);
Trouble LostConnectionWhileIdle(const SmtpPeer& peer);
Trouble ConnectFailed(const SmtpPeer& peer, absl::string_view why);
Trouble NoUsableAddress(absl::string_view nexthop);

Trouble TlsNotOffered(const SmtpPeer& peer);
Trouble TlsRefused(const SmtpPeer& peer, const SmtpReply& reply);
Trouble TlsHandshakeFailed(const SmtpPeer& peer, absl::string_view why);
Trouble CertificateNotTrusted(const SmtpPeer& peer, absl::string_view why);
Trouble CertificateNotMatched(const SmtpPeer& peer);
Trouble SaslCannot(const SmtpPeer& peer, absl::string_view why);
Trouble SaslRefused(const SmtpPeer& peer, const SmtpReply& reply);

Trouble TooBig(const SmtpPeer& peer, uint64_t size, uint64_t limit);
Trouble Smtputf8NotOffered(const SmtpPeer& peer);
Trouble CannotConvert(const SmtpPeer& peer, absl::string_view why, absl::string_view enhanced);
Trouble ContentUnreadable();
Trouble NoTimeForTransaction(const SmtpPeer& peer);
Trouble NotCompleted();
// Appended to a soft failure that could have gone to another server.
inline constexpr absl::string_view kNoTimeForAnotherServer =
    " (no time left before the caller's deadline to try another server)";

}  // namespace trouble

class DeliveryTrouble {
 public:
  explicit DeliveryTrouble(size_t recipients);

  // Recipients (indices into the message's) still to deliver, in order.
  const std::vector<size_t>& open() const { return open_; }
  bool done() const { return open_.empty(); }

  // The outcomes of one session that was given open(), in that order.
  void Absorb(std::vector<RecipientOutcome> outcomes);

  // A server could not be reached at all: that is now the latest news for
  // every open recipient (Postfix reports the last failure).
  void ServerFailed();

  // No server is left: every outcome in the message's order, an open
  // recipient with its last temporary failure or else `fallback` (why the
  // servers could not be reached). `note` is appended to the reason of each
  // open recipient a server answered for (why no other server was tried).
  std::vector<RecipientOutcome> Finish(const RecipientOutcome& fallback, absl::string_view note = "");

 private:
  std::vector<std::optional<RecipientOutcome>> decided_;
  std::vector<std::optional<RecipientOutcome>> last_soft_;
  std::vector<size_t> open_;
};

}  // namespace mxd
