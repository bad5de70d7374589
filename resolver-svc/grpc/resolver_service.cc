#include "resolver-svc/grpc/resolver_service.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/route_signature_proto.h"
#include "common/log/json_log.h"
#include "common/nexthop/nexthop.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

v1::ResolveStatus StatusToProto(RouteStatus s) {
  switch (s) {
    case RouteStatus::kOk: return v1::RESOLVE_STATUS_OK;
    case RouteStatus::kTempFail: return v1::RESOLVE_STATUS_TEMPFAIL;
    case RouteStatus::kPermFail: return v1::RESOLVE_STATUS_PERMFAIL;
  }
  return v1::RESOLVE_STATUS_UNSPECIFIED;
}

absl::string_view OutcomeName(RouteStatus s) {
  switch (s) {
    case RouteStatus::kOk: return "ok";
    case RouteStatus::kTempFail: return "tempfail";
    case RouteStatus::kPermFail: return "permfail";
  }
  return "?";
}

}  // namespace

void ToProto(const RouteSet& set, v1::ResolveResponse* out) {
  out->set_status(StatusToProto(set.status));
  out->set_enhanced_status(set.enhanced_status);
  out->set_reason(ValidUtf8(set.reason));  // names from DNS zones are any octets
  out->set_effective_nexthop(ValidUtf8(set.effective_nexthop));
  out->set_ttl_seconds(set.ttl);
  for (const Route& r : set.routes) {
    v1::Route* p = out->add_routes();
    p->set_host(ValidUtf8(r.host));
    p->set_preference(r.preference);
    p->set_port(r.port);
    p->set_fallback(r.fallback);
    for (const std::string& a : r.addresses) p->add_addresses(a);
  }
}

void ResolverService::Reply(grpc::ServerUnaryReactor* reactor, v1::ResolveResponse* response,
                            const NextHop& hop, const RouteSet& set, const ResolverSettings& settings,
                            absl::Time start, bool cached) {
  ToProto(set, response);
  if (settings.route_key && !set.routes.empty()) {
    SignRouteSet(*settings.route_key, absl::Now() + settings.route_signature_lifetime, response);
  }
  const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  // A failure is a warning; a lookup at info; an answer from the cache, which
  // was logged when it was looked up, only at debug: at tens of thousands of
  // answers a second one line each would cost more than the answer.
  const LogLevel level = set.status != RouteStatus::kOk ? LogLevel::kWarning
                         : cached                       ? LogLevel::kDebug
                                                        : LogLevel::kInfo;
  if (LogEnabled(level)) {
    Log(level, "resolve",
        {{"nexthop", hop.ToString()},
         {"effective_nexthop", set.effective_nexthop},
         {"outcome", OutcomeName(set.status)},
         {"enhanced_status", set.enhanced_status},
         {"reason", set.reason},
         {"cached", cached ? "yes" : "no"}},
        {{"routes", static_cast<double>(set.routes.size())}, {"duration_ms", ms}});
  }
  reactor->Finish(grpc::Status::OK);
}

grpc::ServerUnaryReactor* ResolverService::Resolve(grpc::CallbackServerContext* context,
                                                   const v1::ResolveRequest* request,
                                                   v1::ResolveResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (caller_check_) {
    if (grpc::Status s = caller_check_->Check(*context); !s.ok()) {
      reactor->Finish(s);
      return reactor;
    }
  }
  const absl::Time start = absl::Now();
  auto hop = ParseNextHop(request->nexthop());
  if (!hop.ok()) {
    std::string shown = request->nexthop().substr(0, 100);
    LogWarning("resolve_rejected", {{"nexthop", shown}, {"error", hop.status().message()}});
    reactor->Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::string(hop.status().message())));
    return reactor;
  }

  const std::shared_ptr<const ResolverSettings> settings = this->settings();
  // Fast path: everything cached, answered on this thread.
  {
    CachedAnswers cached(cache_);
    RouteLookup lookup(&cached, settings.get());
    std::optional<RouteSet> result;
    lookup.Resolve(*hop, [&result](RouteSet set) { result = std::move(set); });
    if (result && !cached.missed()) {
      Reply(reactor, response, *hop, *result, *settings, start, true);
      return reactor;
    }
  }

  if (pending_.fetch_add(1) >= settings->pending_request_limit) {
    pending_.fetch_sub(1);
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 absl::StrCat("more than resolver_pending_request_limit = ",
                                              settings->pending_request_limit, " requests in progress")));
    return reactor;
  }
  loop_->Post([this, reactor, response, start, settings, hop = *std::move(hop)]() {
    // One lookup per request, with its own settings, alive until it answers
    // (the callback owns it).
    auto lookup = std::make_shared<RouteLookup>(live_, settings.get());
    lookup->Resolve(hop, [this, reactor, response, start, hop, lookup, settings](RouteSet set) {
      pending_.fetch_sub(1);
      Reply(reactor, response, hop, set, *settings, start, false);
    });
  });
  return reactor;
}

}  // namespace mxd
