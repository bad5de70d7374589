#include "delivery-svc/delivery_attempt.h"

#include <arpa/inet.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/json_log.h"
#include "common/nexthop/nexthop.h"
#include "delivery-svc/peer_match.h"

namespace mxd {
namespace {

bool IsIpv6(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

}  // namespace

DeliveryAttempt::DeliveryAttempt(EventLoop* loop, const DeliverySettings* settings, ConnectionCache* cache,
                                 std::string nexthop, std::vector<RouteTarget> routes,
                                 const MessageEnvelope* envelope, absl::Time deadline)
    : loop_(loop),
      settings_(settings),
      cache_(cache),
      nexthop_(std::move(nexthop)),
      envelope_(envelope),
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
        candidates_.push_back({SmtpPeer{r.host, ip, r.port}});
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
    conn_->SetEventCallback([this](SmtpConnection::Event e) { OnEvent(e); });
    conn_->session().StartMessage(envelope_, loop_->Now());
    conn_->Pump();
    return;
  }
  TryNext();
}

void DeliveryAttempt::DisposeConnection() {
  if (!conn_) return;
  // We may be inside the connection's callback: destroy it from the loop.
  conn_->Abort();
  loop_->Post([dead = std::shared_ptr<SmtpConnection>(std::move(conn_))] {});
}

void DeliveryAttempt::TryNext() {
  if (finished_) return;
  if (next_ >= candidates_.size()) {
    RecipientOutcome o;
    o.action = DeliveryAction::kDeferred;
    if (candidates_.empty()) {
      o.enhanced = "4.4.4";
      o.reason = absl::StrCat("no usable address for ", nexthop_, " (inet_protocols)");
    } else {
      o.enhanced = last_was_connect_error_ ? "4.4.1" : last_enhanced_;
      o.reason = last_reason_;
    }
    DeliveryResult r;
    r.outcomes.assign(envelope_->recipients.size(), o);
    return Finish(std::move(r));
  }
  // Another server only when it could finish before the caller's deadline
  // (the first is always tried), and never for a caller that went away.
  const bool no_time = next_ > 0 && loop_->Now() + settings_->time_budget.OneServer() > deadline_;
  if (no_time || !cancelled_.empty()) {
    RecipientOutcome o;
    o.action = DeliveryAction::kDeferred;
    o.enhanced = !cancelled_.empty() ? "4.3.2" : last_was_connect_error_ ? "4.4.1" : last_enhanced_;
    o.reason = !cancelled_.empty()
                   ? cancelled_
                   : absl::StrCat(last_reason_,
                                  " (no time left before the caller's deadline to try another "
                                  "server)");
    DeliveryResult r;
    r.outcomes.assign(envelope_->recipients.size(), o);
    return Finish(std::move(r));
  }
  ConnectTo(candidates_[next_++].peer, /*no_starttls=*/false);
}

void DeliveryAttempt::ConnectTo(const SmtpPeer& peer, bool no_starttls) {
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
  if (settings_->sasl && settings_->sasl_passwords) {
    // Postfix's order: the next hop as given, then the server's name.
    std::optional<std::string> entry = settings_->sasl_passwords->Find(nexthop_);
    if (!entry) entry = settings_->sasl_passwords->Find(peer.host);
    if (entry) {
      const size_t colon = entry->find(':');
      sec.sasl = settings_->sasl.get();
      sec.credentials.user = entry->substr(0, colon);
      sec.credentials.password = entry->substr(colon + 1);
      sec.mechanism_filter = settings_->sasl_mechanism_filter;
      sec.sasl_options = settings_->sasl_options;
      sec.sasl_tls_options = settings_->sasl_tls_options;
      sec.sasl_soft_bounce = settings_->sasl_soft_bounce;
    }
  }
  conn_ = std::make_unique<SmtpConnection>(loop_, settings_->session, peer, std::move(sec), std::move(tls));
  conn_->Connect(envelope_, settings_->connect_timeout, [this](SmtpConnection::Event e) { OnEvent(e); });
}

void DeliveryAttempt::OnEvent(SmtpConnection::Event e) {
  if (finished_ || !conn_) return;
  switch (e) {
    case SmtpConnection::Event::kConnectFailed:
      last_reason_ = conn_->connect_error();
      last_was_connect_error_ = true;
      DisposeConnection();
      return TryNext();
    case SmtpConnection::Event::kMessageFinished: {
      SmtpSession& s = conn_->session();
      DeliveryResult r;
      r.outcomes = s.TakeOutcomes();
      if (s.protocol_error()) r.transcript = s.transcript();
      LogDebugPeer(s);
      cache_->Release(nexthop_, std::move(conn_));
      return Finish(std::move(r));
    }
    case SmtpConnection::Event::kClosed: {
      SmtpSession& s = conn_->session();
      last_reason_ = s.failure_reason();
      last_enhanced_ = s.failure_enhanced();
      last_was_connect_error_ = false;
      if (s.retry_without_tls() && !s.security().no_starttls) {
        // Opportunistic TLS failed in the handshake: same server, plain text.
        const SmtpPeer peer = s.peer();
        LogInfo("tls_fallback", {{"nexthop", nexthop_}, {"peer", peer.Name()}, {"reason", last_reason_}});
        DisposeConnection();
        return ConnectTo(peer, /*no_starttls=*/true);
      }
      if (s.try_next_address()) {
        DisposeConnection();
        return TryNext();
      }
      // Closed without finishing the message (should not happen: the session
      // decides every recipient before it closes); defer what is left.
      DeliveryResult r;
      r.outcomes = s.TakeOutcomes();
      DisposeConnection();
      return Finish(std::move(r));
    }
  }
}

// debug_peer_list: the whole conversation with matching servers goes to the
// log (debug_peer_level >= 1).
void DeliveryAttempt::LogDebugPeer(const SmtpSession& s) const {
  if (settings_->debug_peer_level < 1 || settings_->debug_peer_list.empty() ||
      !PeerMatches(settings_->debug_peer_list, s.peer().host, s.peer().ip)) {
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

void DeliveryAttempt::Shutdown(const std::string& reason) {
  if (finished_) return;
  DeliveryResult r;
  if (conn_ && !conn_->closed() && conn_->has_session()) {
    conn_->SetEventCallback(nullptr);
    conn_->session().Abandon(reason);
    r.outcomes = conn_->session().TakeOutcomes();
  } else {
    RecipientOutcome o;
    o.action = DeliveryAction::kDeferred;
    o.enhanced = "4.3.2";
    o.reason = reason;
    r.outcomes.assign(envelope_->recipients.size(), o);
  }
  DisposeConnection();
  Finish(std::move(r));
}

void DeliveryAttempt::Cancel(const std::string& reason) {
  if (finished_) return;
  cancelled_ = reason;
  if (conn_ && !conn_->closed() && conn_->has_session() && conn_->session().awaiting_final_reply()) {
    return;  // the reply decides; OnEvent reports it as usual
  }
  Shutdown(reason);  // closing before the final "." means no delivery
}

}  // namespace mxd
