// Every mxd parameter, declared once: Postfix's name, type, default and
// meaning. Services read them through Config; `--print-defaults` and
// docs/parameters.md are generated from this table.
#include <unistd.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/config/parameter.h"

namespace mxd {
namespace {

std::string LocalHostName() {
  char buf[256] = {};
  if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

constexpr int64_t kDay = 86400;

const ParameterSpec kParameters[] = {
    // Identity and this system's addresses.
    {.name = "myhostname",
     .type = ParamType::kString,
     .default_value = "",
     .description = "The Internet host name of this mail system.",
     .dynamic_default = &LocalHostName},
    {.name = "inet_interfaces",
     .type = ParamType::kList,
     .default_value = "all",
     .description = "The addresses this mail system receives mail on (\"all\": every "
                    "interface address). An MX host with one of these addresses is this "
                    "system: MX hosts at its preference or worse are dropped (mail-loop "
                    "truncation).",
     .users = kResolverSvc},
    {.name = "proxy_interfaces",
     .type = ParamType::kList,
     .default_value = "",
     .description = "Addresses this mail system receives mail on through a proxy or NAT; "
                    "treated like inet_interfaces for mail-loop truncation.",
     .users = kResolverSvc},
    {.name = "inet_protocols",
     .type = ParamType::kList,
     .default_value = "all",
     .description = "The address families to use: ipv4, ipv6 or all.",
     .choices = "ipv4,ipv6,all"},
    {.name = "smtp_address_preference",
     .type = ParamType::kChoice,
     .default_value = "any",
     .description = "Which address family to try first when a host has both: ipv4, ipv6, "
                    "or any (random order).",
     .users = kResolverSvc,
     .choices = "any,ipv4,ipv6"},

    // Routing.
    {.name = "relayhost",
     .type = ParamType::kString,
     .default_value = "",
     .description = "Send all mail for domain next hops through this next hop instead "
                    "(\"[host]:port\" skips the MX lookup). Bracketed and IP-literal next "
                    "hops in a request are used as given.",
     .users = kResolverSvc},
    {.name = "fallback_relay",
     .type = ParamType::kList,
     .default_value = "",
     .description = "Older name of smtp_fallback_relay.",
     .users = kResolverSvc},
    {.name = "smtp_fallback_relay",
     .type = ParamType::kList,
     .default_value = "$fallback_relay",
     .description = "Relay hosts tried after the destination's MX hosts, and alone when "
                    "the destination is not found or its lookup fails temporarily.",
     .users = kResolverSvc},
    {.name = "disable_dns_lookups",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "Do not use DNS: host names are looked up with the system's name "
                    "service (getaddrinfo), and domain next hops need a relayhost.",
     .users = kResolverSvc},
    {.name = "ignore_mx_lookup_error",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "When an MX lookup fails temporarily, look up the domain's A/AAAA "
                    "records instead of deferring.",
     .users = kResolverSvc},

    // DNS client and cache (mxd's own; Postfix has no DNS cache).
    {.name = "resolver_query_timeout",
     .type = ParamType::kTime,
     .default_value = "5s",
     .description = "How long to wait for one DNS server to answer one query.",
     .users = kResolverSvc,
     .min = 1,
     .max = 300},
    {.name = "resolver_query_attempts",
     .type = ParamType::kInt,
     .default_value = "2",
     .description = "How many times each DNS query is sent to each server.",
     .users = kResolverSvc,
     .min = 1,
     .max = 10},
    {.name = "resolver_cache_size_limit",
     .type = ParamType::kInt,
     .default_value = "100000",
     .description = "The most DNS answers kept in the cache (0 disables the cache).",
     .users = kResolverSvc,
     .min = 0,
     .max = 100000000},
    {.name = "resolver_cache_max_ttl",
     .type = ParamType::kTime,
     .default_value = "1d",
     .description = "The longest time any DNS answer is cached, whatever its TTL.",
     .users = kResolverSvc,
     .min = 0,
     .max = 7 * kDay},
    {.name = "resolver_negative_cache_max_ttl",
     .type = ParamType::kTime,
     .default_value = "1h",
     .description = "The longest time a \"not found\" or \"no data\" answer is cached "
                    "(RFC 2308: the SOA minimum, capped by this).",
     .users = kResolverSvc,
     .min = 0,
     .max = 7 * kDay},
    {.name = "resolver_pending_request_limit",
     .type = ParamType::kInt,
     .default_value = "10000",
     .description = "The most Resolve requests in progress at once; more are refused "
                    "with RESOURCE_EXHAUSTED.",
     .users = kResolverSvc,
     .min = 1,
     .max = 10000000},
};

}  // namespace

absl::Span<const ParameterSpec> AllParameters() { return kParameters; }

const ParameterSpec* FindParameter(absl::string_view name) {
  auto it = std::find_if(std::begin(kParameters), std::end(kParameters),
                         [&](const ParameterSpec& p) { return p.name == name; });
  return it == std::end(kParameters) ? nullptr : &*it;
}

std::string ParametersMarkdown() {
  std::string out =
      "# mxd parameters\n\n"
      "Generated from `common/config/parameter_table.cc` by `resolver-svc --print-parameters` "
      "(a test checks that this file is current). Set them in the main.cf-style file given with "
      "`--config` (`name = value`, `#` comments, continuation lines that start with white space, "
      "`$name` expansion) or with `-o name=value` on the command line. Time values take Postfix's "
      "units: s, m, h, d, w.\n\n"
      "| parameter | type | default | used by | meaning |\n|---|---|---|---|---|\n";
  for (const ParameterSpec& p : kParameters) {
    absl::string_view type = "string";
    switch (p.type) {
      case ParamType::kBool: type = "yes/no"; break;
      case ParamType::kInt: type = "number"; break;
      case ParamType::kTime: type = "time"; break;
      case ParamType::kString: type = "string"; break;
      case ParamType::kList: type = "list"; break;
      case ParamType::kChoice: type = "choice"; break;
    }
    std::string dflt = p.dynamic_default ? "(this host's name)" : absl::StrCat("`", p.default_value, "`");
    if (!p.dynamic_default && p.default_value.empty()) dflt = "(empty)";
    absl::string_view users = p.users == kBothSvcs      ? "both"
                              : p.users == kResolverSvc ? "resolver-svc"
                                                        : "delivery-svc";
    absl::StrAppend(&out, "| `", p.name, "` | ", type, " | ", dflt, " | ", users, " | ",
                    absl::StrReplaceAll(p.description, {{"|", "\\|"}}), " |\n");
  }
  return out;
}

}  // namespace mxd
