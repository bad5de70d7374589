// mxctl resolve NEXTHOP [--resolver TARGET] [--json] [--timeout TIME]
#include <sysexits.h>

#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/client/resolve_client.h"
#include "cli/mxctl/commands.h"
#include "common/cli/arguments.h"
#include "common/cli/default_endpoints.h"
#include "common/config/time_value.h"
#include "common/log/json_log.h"

namespace mxd::mxctl {
namespace {

constexpr char kUsage[] =
    "usage: mxctl resolve NEXTHOP [--resolver TARGET] [--json] [--timeout TIME]\n"
    "                     [--tls-ca FILE --tls-cert FILE --tls-key FILE]";

using client::ResolveResult;

const char* StatusName(ResolveResult::Status s) {
  switch (s) {
    case ResolveResult::Status::kOk: return "ok";
    case ResolveResult::Status::kTempFail: return "tempfail";
    case ResolveResult::Status::kPermFail: return "permfail";
  }
  return "tempfail";
}

std::string ToJson(const ResolveResult& r) {
  std::string j = "{\"status\":";
  AppendJsonString(&j, StatusName(r.status));
  j += ",\"enhanced_status\":";
  AppendJsonString(&j, r.enhanced_status);
  j += ",\"reason\":";
  AppendJsonString(&j, r.reason);
  j += ",\"effective_nexthop\":";
  AppendJsonString(&j, r.effective_nexthop);
  absl::StrAppend(&j, ",\"ttl\":", r.ttl_seconds, ",\"routes\":[");
  for (size_t i = 0; i < r.routes.size(); ++i) {
    const auto& route = r.routes[i];
    if (i) j += ",";
    j += "{\"host\":";
    AppendJsonString(&j, route.host);
    absl::StrAppend(&j, ",\"preference\":", route.preference, ",\"port\":", route.port,
                    ",\"fallback\":", route.fallback ? "true" : "false", ",\"addresses\":[");
    for (size_t k = 0; k < route.addresses.size(); ++k) {
      if (k) j += ",";
      AppendJsonString(&j, route.addresses[k]);
    }
    j += "]}";
  }
  j += "]}";
  return j;
}

std::string ToTable(const std::string& nexthop, const ResolveResult& r) {
  std::string out = absl::StrFormat("%s: %s %s", nexthop, StatusName(r.status), r.enhanced_status);
  if (r.effective_nexthop != nexthop && !r.effective_nexthop.empty()) {
    absl::StrAppend(&out, " (via ", r.effective_nexthop, ")");
  }
  out += "\n";
  if (!r.reason.empty()) absl::StrAppend(&out, r.reason, "\n");
  if (r.routes.empty()) return out;
  absl::StrAppendFormat(&out, "%-5s %-40s %-5s %-8s %s\n", "PREF", "HOST", "PORT", "FALLBACK", "ADDRESSES");
  for (const auto& route : r.routes) {
    absl::StrAppendFormat(&out, "%-5d %-40s %-5d %-8s %s\n", route.preference, route.host, route.port,
                          route.fallback ? "yes" : "no", absl::StrJoin(route.addresses, ", "));
  }
  return out;
}

}  // namespace

int RunResolve(const std::vector<std::string>& args) {
  if (WantsHelp(args, kUsage)) return EX_OK;
  auto parsed =
      ParseArgs(args, {{"resolver"}, {"timeout"}, {"json", false}, {"tls-ca"}, {"tls-cert"}, {"tls-key"}});
  if (!parsed.ok()) return UsageError(std::string(parsed.status().message()), kUsage);
  if (parsed->positional.size() != 1) {
    return UsageError(parsed->positional.empty() ? "missing NEXTHOP" : "more than one NEXTHOP", kUsage);
  }
  auto timeout = ParseTimeValue(parsed->GetOr("timeout", "30s"));
  if (!timeout.ok()) return UsageError(absl::StrCat("--timeout: ", timeout.status().message()), kUsage);

  const std::string& nexthop = parsed->positional[0];
  client::ResolveClient resolver(parsed->GetOr("resolver", kDefaultResolverEndpoint), Security(*parsed));
  auto result = resolver.Resolve(nexthop, *timeout);
  if (!result.ok()) {
    // A malformed next hop is bad data (65), as from mxctl deliver.
    const bool bad = result.status().code() == absl::StatusCode::kInvalidArgument;
    return Failed(parsed->Has("json"), "resolver-svc", result.status(), bad ? EX_DATAERR : EX_TEMPFAIL);
  }
  if (parsed->Has("json")) {
    std::cout << ToJson(*result) << "\n";
  } else {
    std::cout << ToTable(nexthop, *result);
  }
  switch (result->status) {
    case ResolveResult::Status::kOk: return EX_OK;
    case ResolveResult::Status::kPermFail: return EX_UNAVAILABLE;
    case ResolveResult::Status::kTempFail: return EX_TEMPFAIL;
  }
  return EX_TEMPFAIL;
}

}  // namespace mxd::mxctl
