// One message's delivery over the routes from Resolve (Postfix's
// smtp_connect.c): take a cached connection to the next hop if there is one,
// otherwise walk the addresses in order (fallback relays last, at most
// smtp_mx_address_limit each), moving on after connection failures and
// skipped greetings, and with the recipients that met a temporary failure
// (smtp_trouble.h) until smtp_mx_session_limit sessions got as far as the
// mail transaction. Every recipient ends with exactly one outcome. Loop
// thread only.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/net/event_loop.h"
#include "delivery-svc/engine/connection_cache.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "delivery-svc/engine/smtp_connection.h"
#include "delivery-svc/smtp/delivery_outcome.h"
#include "delivery-svc/smtp/smtp_session.h"
#include "delivery-svc/smtp/smtp_trouble.h"

namespace mxd {

struct RouteTarget {
  std::string host;
  uint16_t port = 25;
  std::vector<std::string> addresses;
  bool fallback = false;
};

struct DeliveryResult {
  std::vector<RecipientOutcome> outcomes;  // one per recipient, in order
  std::vector<std::string> transcript;     // on protocol errors
};

class DeliveryAttempt {
 public:
  using Done = std::function<void(DeliveryResult)>;

  // `envelope` (and its content) must outlive the attempt. After the first
  // server, another is tried only while one server's worst case (the
  // settings' time_budget) still ends before `deadline` (the caller's).
  DeliveryAttempt(EventLoop* loop, const DeliverySettings* settings, ConnectionCache* cache,
                  std::string nexthop, std::vector<RouteTarget> routes, const MessageEnvelope* envelope,
                  absl::Time deadline = absl::InfiniteFuture());
  ~DeliveryAttempt();

  void Start(Done done);
  // The caller went away: stop what can be stopped and report the truth to
  // `done` (for the log). A message whose final "." is out waits for the
  // server's reply (up to smtp_data_done_timeout), since the server may
  // accept it; otherwise the connection closes now, and recipients not yet
  // decided are deferred with `reason`. No other server is tried.
  void Cancel(const std::string& reason);
  // Give up now (the service is shutting down, or a cancel that need not
  // wait): recipients not yet decided are deferred with `reason` and done
  // runs. "Abandon" is the one word for this at every level: the attempt,
  // the connection and the session.
  void Abandon(const std::string& reason);

 private:
  struct Candidate {
    SmtpPeer peer;
    bool fallback = false;
  };
  void TryNext();
  // The next candidate the session limits allow, or candidates_.size().
  size_t NextCandidate();
  // The open recipients as the next session's message.
  const MessageEnvelope* OpenPart();
  // A session ended: its outcomes go to trouble_, then the next server.
  void SessionOver(SmtpSession& s, std::vector<RecipientOutcome> outcomes);
  // The end: open recipients no server answered for are deferred with `t`;
  // `note` says why no other server was tried (DeliveryTrouble::Finish).
  void FinishWith(const Trouble& t, absl::string_view note = "");
  // 0 for an MX host (or a cached connection), 1 for a fallback relay: the
  // server of the session that just ended.
  size_t CurrentGroup() const;
  // Connects to one server with the TLS and SASL settings for it.
  void ConnectTo(const SmtpPeer& peer, bool no_starttls);
  void OnEvent(SmtpConnection::Event e);
  // The session on conn_ is over: count it, take its outcomes, cache the
  // connection when `reusable`, and go on with what is open.
  void EndSession(bool reusable);
  void Finish(DeliveryResult result);
  void DisposeConnection();
  void LogDebugPeer(const SmtpSession& s) const;

  EventLoop* loop_;
  const DeliverySettings* settings_;
  ConnectionCache* cache_;
  std::string nexthop_;
  const MessageEnvelope* envelope_;
  std::vector<Candidate> candidates_;
  size_t next_ = 0;
  bool cached_session_ = false;  // the current connection came from the cache
  size_t sessions_[2] = {0, 0};  // sessions that reached MAIL FROM: MX hosts, fallback relays
  DeliveryTrouble trouble_;
  MessageEnvelope part_;  // the open recipients, for the current session
  std::unique_ptr<SmtpConnection> conn_;
  std::vector<std::string> transcript_;  // of the last protocol error
  Trouble last_;                         // what happened at the last server
  Done done_;
  bool finished_ = false;
  absl::Time deadline_;
  std::string cancelled_;  // the reason, once the caller went away
};

}  // namespace mxd
