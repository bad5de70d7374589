// Parameters of both services and of resolver-svc: identity, this system's
// addresses, the sandbox, routing, the DNS client and cache.
// Part of the one parameter table (parameter_table.cc joins the parts).
#include <unistd.h>

#include <cstdint>
#include <limits>
#include <string>

#include "common/config/parameter_groups.h"

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

    // Logging.
    {.name = "log_level",
     .type = ParamType::kChoice,
     .default_value = "info",
     .description = "The least important log lines written: debug, info, warning or error. "
                    "At debug, resolver-svc also logs each answer it gives from its cache.",
     .choices = "debug,info,warning,error"},

    {.name = "sandbox_user",
     .type = ParamType::kString,
     .default_value = "nobody",
     .description = "The unprivileged user a service becomes after start-up when started as root "
                    "(then no_new_privs and the seccomp filter follow; see docs/security.md)."},

    {.name = "shutdown_grace_time",
     .type = ParamType::kTime,
     .default_value = "25s",
     .description = "On SIGTERM, how long deliveries in progress may take to finish; then every "
                    "recipient still open is deferred and reported. Keep it below Kubernetes' "
                    "terminationGracePeriodSeconds.",
     .min = 0,
     .max = 3600},

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
    {.name = "resolver_mx_host_limit",
     .type = ParamType::kInt,
     .default_value = "10",
     .description = "The most MX hosts of one domain whose addresses are looked up: the best ones by "
                    "preference (delivery tries at most smtp_mx_address_limit addresses anyway). A zone "
                    "with 1000 MX records costs this many look-ups; the answer's reason says how many "
                    "were left out. Each host contributes at most 20 addresses per address family.",
     .users = kResolverSvc,
     .min = 1,
     .max = 1000},
    {.name = "resolver_prohibited_networks",
     .type = ParamType::kList,
     .default_value =
         "127.0.0.0/8, [::1]/128, 0.0.0.0/8, [::]/128, 169.254.0.0/16, [fe80::]/10, 224.0.0.0/4, "
         "[ff00::]/8, [::ffff:127.0.0.0]/104, [::ffff:0.0.0.0]/104, [::ffff:169.254.0.0]/112, "
         "[::ffff:224.0.0.0]/100",
     .description = "Networks that a domain's DNS answers (its MX hosts' or implicit MX's addresses) may "
                    "not send mail to: such addresses are dropped from the routes, and when none is "
                    "left the answer is a permanent failure naming them (5.4.4). Checked after mail-loop "
                    "truncation. Next hops written as literals ([host], [address]:port, relayhost, "
                    "smtp_fallback_relay) are not restricted. An IPv4-mapped IPv6 address is checked as "
                    "its IPv4 address. Empty it, or add private ranges (10.0.0.0/8 ...), as the network "
                    "requires.",
     .users = kResolverSvc},
    {.name = "grpc_allow_insecure_listener",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "Serve gRPC in plain text on an address other hosts can reach (not loopback, not a Unix "
                    "socket). Without mutual TLS (--tls-cert, --tls-key, --tls-client-ca) every caller "
                    "that reaches the port is trusted, so the service refuses to start unless this says "
                    "yes (e.g. behind a mesh that authenticates callers); it then warns.",
     .users = kBothSvcs},
    {.name = "grpc_unix_socket_group",
     .type = ParamType::kString,
     .default_value = "",
     .description = "With --listen unix:/path: the group that owns the socket (mode 0660), e.g. the queue "
                    "managers' group. Empty: the service's own group.",
     .users = kBothSvcs},
    {.name = "grpc_tls_reload_interval",
     .type = ParamType::kTime,
     .default_value = "60s",
     .description = "With mutual TLS: how often the --tls-cert, --tls-key and --tls-client-ca files are "
                    "read again, so that a renewed certificate (cert-manager rewrites the Secret's files) "
                    "is served, and a new client CA trusted, without a restart; connections and calls in "
                    "flight keep theirs. Inside the sandbox this needs Landlock (Linux 5.13 or later), which "
                    "limits what the service may read to those files' directories; without it the files are "
                    "read once, with a warning. 0: read once at start-up.",
     .users = kBothSvcs,
     .min = 0,
     .max = 86400},
    {.name = "route_key_file",
     .type = ParamType::kString,
     .default_value = "",
     .description = "File holding the key (32 to 4096 octets; surrounding white space is ignored) with "
                    "which resolver-svc signs each route set and delivery-svc checks it: with a key, "
                    "delivery-svc refuses unsigned, altered and expired route sets (PERMISSION_DENIED) "
                    "before any connection. Empty: routes are not signed, and delivery-svc trusts the "
                    "caller's routes. Read at start-up and on SIGHUP.",
     .names_file = true},
    {.name = "route_signature_lifetime",
     .type = ParamType::kTime,
     .default_value = "1h",
     .description = "How long a route set signed by resolver-svc stays valid for delivery-svc: a caller "
                    "resolves again after that.",
     .users = kResolverSvc,
     .min = 1,
     .max = 7 * 86400},
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
     .description = "How many times each DNS query is sent to each server. Keep at least 2: with c-ares "
                    "1.18 a server that closes a TCP connection (after a truncated answer) resets the UDP "
                    "queries in flight to it, and only a second attempt saves them.",
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
    {.name = "resolver_cache_byte_limit",
     .type = ParamType::kInt,
     .default_value = "67108864",
     .description = "The most memory (bytes, roughly: names, addresses and per-entry overhead) the DNS "
                    "cache holds, whatever resolver_cache_size_limit allows; a zone with huge answers "
                    "cannot make it grow past this.",
     .users = kResolverSvc,
     .min = 0,
     .max = std::numeric_limits<int64_t>::max()},
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

absl::Span<const ParameterSpec> GeneralParameters() { return kParameters; }

}  // namespace mxd
