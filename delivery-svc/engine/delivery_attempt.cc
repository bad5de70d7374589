#include "delivery-svc/engine/delivery_attempt.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/log/json_log.h"
#include "common/nexthop/ip_literal.h"
#include "common/nexthop/nexthop.h"
#include "delivery-svc/engine/peer_match.h"

namespace mxd {
namespace {

bool IsIpv6(const std::string& ip) { return IpAddressFamily(ip) == IpFamily::kV6; }

}  // namespace

DeliveryAttempt::DeliveryAttempt(EventLoop* loop, const DeliverySettings* settings, ConnectionCache* cache,
                                 std::string nexthop, std::vector<RouteTarget> routes,
                                 const MessageEnvelope* envelope, absl::Time deadline)
    : loop_(loop),
      settings_(settings),
      cache_(cache),
      nexthop_(std::move(nexthop)),
      envelope_(envelope),
      trouble_(envelope->recipients.size()),
      deadline_(deadline) {
  // MX routes first, then fallback relays; the address limit applies to
  // each group, as Postfix applies it to the MX list and the relays.
  for (bool fallback : {false, true}) {
    size_t taken = 0;
    for (const RouteTarget& r : routes) {
      if (r.fallback != fallback) continue;
      for (const std::string& ip : r.addresses) {
        const bool v6 = IsIpv6(ip);
        if ((v6 && !settings_->use_ipv6) || (!v6 && !settings_->use_ipv4)) continue;
        if (settings_->mx_address_limit > 0 && taken >= settings_->mx_address_limit) break;
        candidates_.push_back({SmtpPeer{r.host, ip, r.port}, fallback});
        ++taken;
      }
    }
  }
}

DeliveryAttempt::~DeliveryAttempt() {
  if (conn_) conn_->SetEventCallback(nullptr);
  DisposeConnection();
}

void DeliveryAttempt::Start(Done done) {
  done_ = std::move(done);
  if (std::unique_ptr<SmtpConnection> cached = cache_->Take(nexthop_)) {
    conn_ = std::move(cached);
    cached_session_ = true;
    conn_->SetEventCallback([this](SmtpConnection::Event e) { OnEvent(e); });
    conn_->StartMessage(OpenPart());
    return;
  }
  TryNext();
}

void DeliveryAttempt::DisposeConnection() {
  if (!conn_) return;
  // We may be inside the connection's callback: destroy it from the loop.
  conn_->Abort();
  loop_->DeleteSoon(std::move(conn_));
}

const MessageEnvelope* DeliveryAttempt::OpenPart() {
  if (trouble_.open().size() == envelope_->recipients.size()) return envelope_;
  part_ = *envelope_;
  part_.recipients.clear();
  part_.dsn.clear();
  for (size_t i : trouble_.open()) {
    part_.recipients.push_back(envelope_->recipients[i]);
    if (i < envelope_->dsn.size()) part_.dsn.push_back(envelope_->dsn[i]);
  }
  return &part_;
}

size_t DeliveryAttempt::NextCandidate() {
  // smtp_mx_session_limit: once that many sessions with the MX hosts got as
  // far as the mail transaction, the rest of them are skipped and the
  // fallback relays get as many.
  const size_t limit = settings_->mx_session_limit;
  while (next_ < candidates_.size() && limit > 0 && sessions_[candidates_[next_].fallback] >= limit) ++next_;
  return next_;
}

void DeliveryAttempt::FinishWith(const Trouble& t, absl::string_view note) {
  RecipientOutcome fallback;
  fallback.action = DeliveryAction::kDeferred;
  fallback.enhanced = t.enhanced;
  fallback.reason = t.reason;
  DeliveryResult r;
  r.outcomes = trouble_.Finish(fallback, note);
  r.transcript = std::move(transcript_);
  Finish(std::move(r));
}

void DeliveryAttempt::TryNext() {
  if (finished_) return;
  // For recipients no server answered for: what happened last.
  if (trouble_.done()) return FinishWith(last_);
  if (NextCandidate() >= candidates_.size()) {
    return FinishWith(candidates_.empty() ? trouble::NoUsableAddress(nexthop_) : last_);
  }
  if (!cancelled_.empty()) return FinishWith({cancelled_, "4.3.2"});
  // Another server only when it could finish before the caller's deadline
  // (the first is always tried).
  if (next_ > 0 && loop_->Now() + settings_->time_budget.OneServer() > deadline_) {
    return FinishWith(last_, trouble::kNoTimeForAnotherServer);
  }
  ConnectTo(candidates_[next_++].peer, /*no_starttls=*/false);
}

void DeliveryAttempt::ConnectTo(const SmtpPeer& peer, bool no_starttls) {
  cached_session_ = false;
  ConnectionTls tls;
  tls.context = settings_->tls_context.get();
  if (settings_->tls_policies) tls.policy = settings_->tls_policies->For(nexthop_);
  if (settings_->tls_wrappermode && tls.policy.level < TlsLevel::kEncrypt)
    tls.policy.level = TlsLevel::kEncrypt;
  absl::StatusOr<NextHop> hop = ParseNextHop(nexthop_);
  tls.nexthop_domain = hop.ok() ? hop->host : nexthop_;

  SessionSecurity sec;
  sec.tls_level = tls.policy.level;
  sec.wrappermode = settings_->tls_wrappermode;
  sec.no_starttls = no_starttls;
  if (settings_->pix_workaround_maps) {
    if (std::optional<std::string> words = settings_->pix_workaround_maps->Find(peer.ip)) {
      sec.pix_workarounds = absl::StrSplit(*words, absl::ByAnyChar(", \t"), absl::SkipEmpty());
    }
  }
  if (settings_->sasl && settings_->sasl_passwords) {
    if (std::optional<SaslCredentials> credentials = settings_->sasl_passwords->For(nexthop_)) {
      sec.sasl = settings_->sasl.get();
      sec.credentials = *std::move(credentials);
      sec.mechanism_filter = settings_->sasl_mechanism_filter;
      sec.sasl_options = settings_->sasl_options;
      sec.sasl_tls_options = settings_->sasl_tls_options;
      sec.sasl_soft_bounce = settings_->sasl_soft_bounce;
    }
  }
  conn_ = std::make_unique<SmtpConnection>(loop_, settings_->session, peer, std::move(sec), std::move(tls));
  conn_->StartMessage(OpenPart());  // before Connect, which may fail at once
  conn_->Connect(settings_->connect_timeout, [this](SmtpConnection::Event e) { OnEvent(e); });
}

void DeliveryAttempt::OnEvent(SmtpConnection::Event e) {
  if (finished_ || !conn_) return;
  switch (e) {
    case SmtpConnection::Event::kConnectFailed:
      last_ = conn_->connect_error();
      trouble_.ServerFailed();
      DisposeConnection();
      return TryNext();
    case SmtpConnection::Event::kMessageFinished:
    case SmtpConnection::Event::kClosed: {
      SmtpSession& s = conn_->session();
      const SmtpSession::Ending end = s.ending();
      switch (end.kind) {
        case SmtpSession::Ending::kRunning: return;  // not for us yet
        case SmtpSession::Ending::kRetryWithoutTls: {
          // Opportunistic TLS failed in the handshake: same server, plain text.
          last_ = end.failure;
          const SmtpPeer peer = s.peer();
          LogInfo("tls_fallback", {{"nexthop", nexthop_}, {"peer", peer.Name()}, {"reason", last_.reason}});
          DisposeConnection();
          return ConnectTo(peer, /*no_starttls=*/true);
        }
        case SmtpSession::Ending::kMessageDone:
          // Every recipient decided: the connection may serve another message.
          last_ = end.failure;
          return EndSession(/*reusable=*/e == SmtpConnection::Event::kMessageFinished);
        case SmtpSession::Ending::kTryNextAddress:  // nothing decided (the outcomes say so too)
        case SmtpSession::Ending::kClosed:          // smtp_trouble sorts decided from open
          last_ = end.failure;
          return EndSession(/*reusable=*/false);
      }
      return;
    }
  }
}

void DeliveryAttempt::EndSession(bool reusable) {
  SmtpSession& s = conn_->session();
  // A reused connection is not a new session (nor is its failed probe).
  if (s.handshake_completed() && !cached_session_) ++sessions_[CurrentGroup()];
  if (s.protocol_error()) transcript_ = s.transcript();
  trouble_.Absorb(s.TakeOutcomes());
  if (reusable) {
    LogDebugPeer(s);
    cache_->Release(nexthop_, std::move(conn_));
  } else {
    DisposeConnection();
  }
  TryNext();
}

size_t DeliveryAttempt::CurrentGroup() const {
  // The server of the session that just ended: the candidate before next_
  // (a cached connection counts as an MX host).
  return next_ > 0 && candidates_[next_ - 1].fallback ? 1 : 0;
}

// debug_peer_list: the whole conversation with matching servers goes to the
// log (debug_peer_level >= 1).
void DeliveryAttempt::LogDebugPeer(const SmtpSession& s) const {
  if (settings_->debug_peer_level < 1 || settings_->debug_peer_list.empty() ||
      !settings_->debug_peer_list.Matches(s.peer().host, s.peer().ip)) {
    return;
  }
  const std::string peer = s.peer().Name();
  for (const std::string& line : s.transcript()) {
    LogInfo("smtp_chat", {{"nexthop", nexthop_}, {"peer", peer}, {"line", line}});
  }
}

void DeliveryAttempt::Finish(DeliveryResult result) {
  if (finished_) return;
  finished_ = true;
  Done done = std::move(done_);
  done(std::move(result));  // may destroy this
}

void DeliveryAttempt::Abandon(const std::string& reason) {
  if (finished_) return;
  if (conn_ && !conn_->closed() && conn_->has_session()) {
    conn_->SetEventCallback(nullptr);
    conn_->Abandon(reason);
    trouble_.Absorb(conn_->session().TakeOutcomes());
  }
  DisposeConnection();
  FinishWith({reason, "4.3.2"});  // what is still open
}

void DeliveryAttempt::Cancel(const std::string& reason) {
  if (finished_) return;
  cancelled_ = reason;
  if (conn_ && !conn_->closed() && conn_->has_session() && conn_->session().awaiting_final_reply()) {
    return;  // the reply decides; OnEvent reports it as usual
  }
  Abandon(reason);  // closing before the final "." means no delivery
}

}  // namespace mxd
