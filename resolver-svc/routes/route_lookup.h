// Where does mail for a next hop go? The resolver's counterpart of Postfix's
// smtp_addr.c: MX lookup, preference sorting, implicit and null MX, host
// address look-ups per inet_protocols, mail-loop truncation, relayhost and
// fallback relays. One RouteLookup serves one request; its answers come from
// an AnswerSource (see answer_source.h).
#pragma once

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/random/random.h"
#include "common/net/event_loop.h"
#include "common/nexthop/nexthop.h"
#include "resolver-svc/dns/answer_source.h"
#include "resolver-svc/routes/resolver_settings.h"
#include "resolver-svc/routes/route.h"

namespace mxd {

class RouteLookup {
 public:
  using Done = absl::AnyInvocable<void(RouteSet)>;

  RouteLookup(AnswerSource* answers, const ResolverSettings* settings)
      : answers_(answers), settings_(settings) {}

  // `done` runs where the source answers: before Resolve returns when every
  // answer is at hand (CachedAnswers). The RouteLookup must outlive `done`.
  void Resolve(const NextHop& hop, Done done);

  // The outcome of one next hop (the destination or one fallback relay).
  struct HopResult {
    RouteSet set;
    bool fallback_allowed = false;  // the failure is one fallback relays may cure
    bool found_myself = false;      // we are an MX host: no backups behind us
  };
  // The addresses of one host, or why there are none.
  struct HostAddresses {
    std::vector<std::string> addresses;
    bool tempfail = false;
    std::string reason;  // Postfix-style, when addresses is empty
    uint32_t ttl = UINT32_MAX;
    size_t cut = 0;  // addresses beyond DnsAnswer::kMaxAddresses per family
  };

 private:
  using HopDone = absl::AnyInvocable<void(HopResult)>;
  using HostDone = absl::AnyInvocable<void(HostAddresses)>;

  void ResolveHop(const NextHop& hop, bool from_config, HopDone done);
  // `loop_detect`: the routes came from a domain's DNS (its MX list or
  // implicit MX; never a [host], a literal or a configured relay), so
  // mail-loop truncation and resolver_prohibited_networks apply.
  void ResolveMx(const NextHop& hop, bool loop_detect, HopDone done);
  void ResolveMxHosts(const NextHop& hop, std::vector<MxRecord> mx, uint32_t mx_ttl, bool loop_detect,
                      HopDone done);
  void ResolveSingleHost(const NextHop& hop, const std::string& host, uint32_t ttl, bool loop_detect,
                         HopDone done);
  void LookupHost(const std::string& host, HostDone done);
  // Loop check (with `loop_detect`; `best_preference` is the MX list's best,
  // with or without addresses) and final status for a hop's routes.
  // `cut`: what was left out of the routes for size (said in the reason).
  HopResult Finish(const NextHop& hop, std::vector<Route> routes, uint32_t ttl,
                   const HostAddresses* last_failure, bool loop_detect, uint32_t best_preference = 0,
                   std::string cut = "");

  AnswerSource* answers_;
  const ResolverSettings* settings_;
};

// Postfix's wording for a failed name-service look-up, e.g. "Host or domain
// name not found. Name service error for name=example.com type=MX: Host not
// found, try again".
std::string NameServiceError(absl::string_view name, absl::string_view type, DnsStatus status);

}  // namespace mxd
