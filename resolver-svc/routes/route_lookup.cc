#include "resolver-svc/routes/route_lookup.h"

#include <arpa/nameser.h>
#include <sys/socket.h>

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "resolver-svc/routes/mx_sort.h"
#include "resolver-svc/routes/prohibited_networks.h"

namespace mxd {
namespace {

// Lookups run on the loop thread and on gRPC threads (cache hits).
absl::BitGen& Random() {
  thread_local absl::BitGen gen;
  return gen;
}

// What a large zone had that the answer leaves out, for its reason.
std::string CutNote(size_t hosts, size_t addresses, size_t host_limit) {
  std::string note;
  if (hosts > 0) {
    absl::StrAppend(&note, "not looked up: ", hosts, " MX hosts beyond the best ", host_limit,
                    " (resolver_mx_host_limit)");
  }
  if (addresses > 0) {
    absl::StrAppend(&note, note.empty() ? "" : "; ", "not used: ", addresses, " addresses beyond ",
                    DnsAnswer::kMaxAddresses, " per host and family");
  }
  return note;
}

RouteSet Failure(RouteStatus status, absl::string_view enhanced, std::string reason, uint32_t ttl) {
  RouteSet s;
  s.status = status;
  s.enhanced_status = std::string(enhanced);
  s.reason = std::move(reason);
  s.ttl = ttl == UINT32_MAX ? 0 : ttl;
  return s;
}

}  // namespace

std::string NameServiceError(absl::string_view name, absl::string_view type, DnsStatus status) {
  absl::string_view what = "Host not found, try again";
  if (status == DnsStatus::kNotFound) what = "Host not found";
  if (status == DnsStatus::kNoData) what = "Host found but no data record of requested type";
  return absl::StrCat("Host or domain name not found. Name service error for name=", name, " type=", type,
                      ": ", what);
}

void RouteLookup::Resolve(const NextHop& requested, Done done) {
  // relayhost replaces domain destinations; explicit [host] and literal next
  // hops in a request are honoured as given, like a transport map entry.
  const bool via_relayhost = requested.mx_lookup() && settings_->relayhost.has_value();
  const NextHop hop = via_relayhost ? *settings_->relayhost : requested;

  struct Gather {
    Done done;
    std::string effective;
    std::vector<HopResult> results;  // [0] destination, then fallback relays
    size_t pending = 0;
  };
  auto gather = std::make_shared<Gather>();
  gather->done = std::move(done);
  gather->effective = hop.ToString();

  std::vector<const NextHop*> fallbacks;
  for (const NextHop& f : settings_->fallback_relays) {
    if (f.ToString() != gather->effective) fallbacks.push_back(&f);
  }
  gather->results.resize(1 + fallbacks.size());
  gather->pending = gather->results.size();

  auto finish = [this, gather]() {
    HopResult& primary = gather->results[0];
    RouteSet out = std::move(primary.set);
    std::vector<Route> fallback_routes;
    uint32_t fallback_ttl = UINT32_MAX;
    for (size_t i = 1; i < gather->results.size(); ++i) {
      RouteSet& f = gather->results[i].set;
      if (f.status != RouteStatus::kOk) continue;
      fallback_ttl = std::min(fallback_ttl, f.ttl);
      for (Route& r : f.routes) {
        r.fallback = true;
        fallback_routes.push_back(std::move(r));
      }
    }
    if (out.status == RouteStatus::kOk) {
      // An MX host that is this system has no backups: Postfix skips the
      // fallback relays then too.
      if (!primary.found_myself) {
        for (Route& r : fallback_routes) out.routes.push_back(std::move(r));
        out.ttl = std::min(out.ttl, fallback_ttl);
      }
    } else if (primary.fallback_allowed && !fallback_routes.empty()) {
      // Destination not found or not reachable now: the fallback relays alone.
      out.reason = absl::StrCat(out.reason, "; using smtp_fallback_relay");
      out.status = RouteStatus::kOk;
      out.enhanced_status = "2.0.0";
      out.routes = std::move(fallback_routes);
      out.ttl = std::min(out.ttl, fallback_ttl);
    }
    out.effective_nexthop = gather->effective;
    const uint32_t max_ttl = static_cast<uint32_t>(absl::ToInt64Seconds(settings_->cache.max_ttl));
    out.ttl = std::min(out.ttl, max_ttl);
    gather->done(std::move(out));
  };

  auto collect = [gather, finish](size_t index) {
    return [gather, finish, index](HopResult r) {
      gather->results[index] = std::move(r);
      if (--gather->pending == 0) finish();
    };
  };
  // Fallback relays first, so that a fully cached destination finishes last
  // with everything in place.
  for (size_t i = 0; i < fallbacks.size(); ++i) ResolveHop(*fallbacks[i], true, collect(i + 1));
  ResolveHop(hop, via_relayhost, collect(0));
}

void RouteLookup::ResolveHop(const NextHop& hop, bool from_config, HopDone done) {
  if (hop.is_literal()) {
    const bool v6 = hop.kind == NextHop::Kind::kIpv6;
    if ((v6 && !settings_->use_ipv6) || (!v6 && !settings_->use_ipv4)) {
      HopResult r;
      r.set =
          Failure(RouteStatus::kPermFail, "5.4.4",
                  absl::StrCat("mail for ", hop.ToString(), " cannot be delivered: ", v6 ? "IPv6" : "IPv4",
                               " is disabled (inet_protocols)"),
                  UINT32_MAX);
      return done(std::move(r));
    }
    Route route;
    route.host = hop.host;
    route.port = hop.port;
    route.addresses = {hop.host};
    std::vector<Route> routes;
    routes.push_back(std::move(route));
    // A literal is delivered as given: [127.0.0.1]:10025 is a content
    // filter, not a loop.
    return done(Finish(hop, std::move(routes), UINT32_MAX, nullptr, /*loop_detect=*/false));
  }
  if (hop.kind == NextHop::Kind::kHost) {
    return ResolveSingleHost(hop, hop.host, UINT32_MAX, /*loop_detect=*/false, std::move(done));
  }
  if (settings_->disable_dns_lookups) {
    // No MX lookups without DNS: a configured relay is looked up as a host;
    // a destination domain needs a relay host.
    if (from_config)
      return ResolveSingleHost(hop, hop.host, UINT32_MAX, /*loop_detect=*/false, std::move(done));
    HopResult r;
    r.set = Failure(RouteStatus::kTempFail, "4.3.5",
                    absl::StrCat("mail for ", hop.host,
                                 " must go through a relay host: DNS lookups are disabled "
                                 "(disable_dns_lookups = yes) and relayhost is empty"),
                    UINT32_MAX);
    r.fallback_allowed = true;
    return done(std::move(r));
  }
  // Relay hosts from the configuration are delivered as given, as Postfix
  // delivers relayhost; a destination's MX list is checked for loops.
  ResolveMx(hop, /*loop_detect=*/!from_config, std::move(done));
}

void RouteLookup::ResolveMx(const NextHop& hop, bool loop_detect, HopDone done) {
  answers_->Lookup(
      hop.host, ns_t_mx, [this, hop, loop_detect, done = std::move(done)](const DnsAnswer& a) mutable {
        switch (a.status) {
          case DnsStatus::kOk: {
            std::vector<MxRecord> mx = a.mx;
            if (IsNullMx(mx)) {
              HopResult r;
              r.set = Failure(RouteStatus::kPermFail, "5.1.10",
                              absl::StrCat("Domain ", hop.host, " does not accept mail (nullMX)"), a.ttl);
              return done(std::move(r));
            }
            DropRootTargets(mx);
            if (mx.empty()) return ResolveSingleHost(hop, hop.host, a.ttl, loop_detect, std::move(done));
            return ResolveMxHosts(hop, std::move(mx), a.ttl, loop_detect, std::move(done));
          }
          case DnsStatus::kNoData:  // no MX: the domain itself is the mail host (implicit MX)
            return ResolveSingleHost(hop, hop.host, a.ttl, loop_detect, std::move(done));
          case DnsStatus::kNotFound: {
            HopResult r;
            r.set =
                Failure(RouteStatus::kPermFail, "5.1.2", NameServiceError(hop.host, "MX", a.status), a.ttl);
            r.fallback_allowed = true;
            return done(std::move(r));
          }
          case DnsStatus::kTempFail: {
            if (settings_->ignore_mx_lookup_error) {
              return ResolveSingleHost(hop, hop.host, UINT32_MAX, loop_detect, std::move(done));
            }
            HopResult r;
            r.set = Failure(RouteStatus::kTempFail, "4.4.3", NameServiceError(hop.host, "MX", a.status),
                            UINT32_MAX);
            r.fallback_allowed = true;
            return done(std::move(r));
          }
        }
      });
}

void RouteLookup::ResolveMxHosts(const NextHop& hop, std::vector<MxRecord> mx, uint32_t mx_ttl,
                                 bool loop_detect, HopDone done) {
  SortMxRecords(mx, Random());
  // A host listed twice keeps its best preference; only the best
  // resolver_mx_host_limit hosts are looked up (a zone may list 1000).
  std::vector<MxRecord> unique;
  absl::flat_hash_set<std::string> seen;
  size_t hosts_cut = 0;
  for (MxRecord& m : mx) {
    if (!seen.insert(m.host).second) continue;
    if (unique.size() < settings_->mx_host_limit) {
      unique.push_back(std::move(m));
    } else {
      ++hosts_cut;
    }
  }
  struct State {
    NextHop hop;
    std::vector<MxRecord> mx;
    std::vector<HostAddresses> hosts;
    size_t pending;
    uint32_t ttl;
    bool loop_detect;
    size_t hosts_cut;
    HopDone done;
  };
  auto st = std::make_shared<State>();
  st->hop = hop;
  st->hosts_cut = hosts_cut;
  st->loop_detect = loop_detect;
  st->mx = std::move(unique);
  st->hosts.resize(st->mx.size());
  st->pending = st->mx.size();
  st->ttl = mx_ttl;
  st->done = std::move(done);
  for (size_t i = 0; i < st->mx.size(); ++i) {
    LookupHost(st->mx[i].host, [this, st, i](HostAddresses h) {
      st->hosts[i] = std::move(h);
      if (--st->pending > 0) return;
      std::vector<Route> routes;
      const HostAddresses* failure = nullptr;
      uint32_t ttl = st->ttl;
      size_t addresses_cut = 0;
      for (size_t k = 0; k < st->mx.size(); ++k) {
        HostAddresses& ha = st->hosts[k];
        ttl = std::min(ttl, ha.ttl);
        addresses_cut += ha.cut;
        if (ha.addresses.empty()) {
          // Prefer reporting a temporary failure: it may clear up.
          if (failure == nullptr || (ha.tempfail && !failure->tempfail)) failure = &ha;
          continue;
        }
        Route r;
        r.host = st->mx[k].host;
        r.preference = st->mx[k].preference;
        r.port = st->hop.port;
        r.addresses = std::move(ha.addresses);
        routes.push_back(std::move(r));
      }
      // The best preference of the whole list, addresses or not: it tells
      // a backup MX from the primary (Postfix's smtp_addr.c).
      st->done(Finish(st->hop, std::move(routes), ttl, failure, st->loop_detect, st->mx.front().preference,
                      CutNote(st->hosts_cut, addresses_cut, settings_->mx_host_limit)));
    });
  }
}

void RouteLookup::ResolveSingleHost(const NextHop& hop, const std::string& host, uint32_t ttl,
                                    bool loop_detect, HopDone done) {
  LookupHost(host, [this, hop, host, ttl, loop_detect, done = std::move(done)](HostAddresses h) mutable {
    std::vector<Route> routes;
    const uint32_t t = std::min(ttl, h.ttl);
    if (!h.addresses.empty()) {
      Route r;
      r.host = host;
      r.port = hop.port;
      r.addresses = std::move(h.addresses);
      routes.push_back(std::move(r));
    }
    done(Finish(hop, std::move(routes), t, &h, loop_detect, 0, CutNote(0, h.cut, 0)));
  });
}

RouteLookup::HopResult RouteLookup::Finish(const NextHop& hop, std::vector<Route> routes, uint32_t ttl,
                                           const HostAddresses* last_failure, bool loop_detect,
                                           uint32_t best_preference, std::string cut) {
  HopResult r;
  const bool had_routes = !routes.empty();
  TruncateResult t;
  if (loop_detect) t = TruncateAtSelf(routes, settings_->own_addresses);
  r.found_myself = t.found_myself;
  const bool truncated_away = had_routes && routes.empty();
  // After the loop check, so that "loops back to myself" keeps its meaning.
  std::vector<ProhibitedAddress> prohibited;
  if (loop_detect) prohibited = DropProhibitedAddresses(routes, settings_->prohibited_networks);
  if (!routes.empty()) {
    r.set.status = RouteStatus::kOk;
    r.set.enhanced_status = "2.0.0";
    r.set.routes = std::move(routes);
    r.set.ttl = ttl == UINT32_MAX ? UINT32_MAX : ttl;
    r.set.reason = std::move(cut);
    if (!prohibited.empty()) {
      absl::StrAppend(&r.set.reason, r.set.reason.empty() ? "" : "; ",
                      "dropped by resolver_prohibited_networks: ", DescribeProhibited(prohibited));
    }
    return r;
  }
  if (!prohibited.empty()) {
    // A zone that points mail at loopback, link-local or the like: not a
    // condition that time cures, and no fallback relay should carry it.
    r.set = Failure(RouteStatus::kPermFail, "5.4.4",
                    absl::StrCat("mail for ", hop.ToString(), " would go only to prohibited addresses: ",
                                 DescribeProhibited(prohibited), " (resolver_prohibited_networks)"),
                    ttl);
    return r;
  }
  if (truncated_away && best_preference < t.my_preference) {
    // We are a backup MX and the better ones have no address right now:
    // wait for them (Postfix's "unable to find primary relay").
    r.set = Failure(RouteStatus::kTempFail, "4.4.4",
                    absl::StrCat("unable to find primary relay for ", hop.host), UINT32_MAX);
    return r;
  }
  if (truncated_away) {
    r.set = Failure(RouteStatus::kPermFail, "5.4.6",
                    absl::StrCat("mail for ", hop.ToString(), " loops back to myself"), ttl);
    return r;
  }
  r.fallback_allowed = true;
  if (last_failure != nullptr && last_failure->tempfail) {
    r.set = Failure(RouteStatus::kTempFail, "4.4.3", last_failure->reason, UINT32_MAX);
  } else {
    r.set = Failure(RouteStatus::kPermFail, "5.4.4",
                    last_failure ? last_failure->reason : "no mail host found", ttl);
  }
  return r;
}

void RouteLookup::LookupHost(const std::string& host, HostDone done) {
  struct Family {
    int af;
    int qtype;
    absl::string_view name;
  };
  std::vector<Family> families;
  if (settings_->use_ipv4) families.push_back({AF_INET, ns_t_a, "A"});
  if (settings_->use_ipv6) families.push_back({AF_INET6, ns_t_aaaa, "AAAA"});
  bool v6_first = settings_->address_preference == AddressPreference::kIpv6;
  if (settings_->address_preference == AddressPreference::kAny) v6_first = absl::Bernoulli(Random(), 0.5);
  if (v6_first && families.size() == 2) std::swap(families[0], families[1]);

  struct State {
    std::string host;
    std::vector<Family> families;
    std::vector<DnsAnswer> answers;
    size_t pending;
    HostDone done;
  };
  auto st = std::make_shared<State>();
  st->host = host;
  st->families = families;
  st->answers.resize(families.size());
  st->pending = families.size();
  st->done = std::move(done);

  for (size_t i = 0; i < families.size(); ++i) {
    auto on_answer = [st, i](const DnsAnswer& a) {
      st->answers[i] = a;
      if (--st->pending > 0) return;
      HostAddresses h;
      for (size_t k = 0; k < st->answers.size(); ++k) {
        const DnsAnswer& ans = st->answers[k];
        if (ans.status != DnsStatus::kTempFail) h.ttl = std::min(h.ttl, ans.ttl);
        for (const std::string& addr : ans.addresses) h.addresses.push_back(addr);
        h.cut += ans.addresses_cut;
      }
      if (h.addresses.empty()) {
        // Report the most hopeful failure: a temporary one first.
        size_t pick = 0;
        for (size_t k = 0; k < st->answers.size(); ++k) {
          if (st->answers[k].status == DnsStatus::kTempFail) {
            pick = k;
            break;
          }
        }
        h.tempfail = st->answers[pick].status == DnsStatus::kTempFail;
        h.reason = NameServiceError(st->host, st->families[pick].name, st->answers[pick].status);
      }
      st->done(std::move(h));
    };
    if (settings_->disable_dns_lookups) {
      answers_->LookupNative(host, families[i].af, std::move(on_answer));
    } else {
      answers_->Lookup(host, families[i].qtype, std::move(on_answer));
    }
  }
}

}  // namespace mxd
