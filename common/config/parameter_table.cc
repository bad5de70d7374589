// Every mxd parameter, declared once: Postfix's name, type, default and
// meaning. Services read them through Config; `--print-defaults` and
// docs/parameters.md are generated from this table.
#include <unistd.h>

#include <algorithm>
#include <limits>

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

    // delivery-svc: the SMTP client (Postfix's smtp(8) names and defaults).
    {.name = "smtp_helo_name",
     .type = ParamType::kString,
     .default_value = "$myhostname",
     .description = "The host name sent in EHLO or HELO.",
     .users = kDeliverySvc},
    {.name = "smtp_always_send_ehlo",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description = "Always send EHLO at the start of a session, whether or not the greeting says ESMTP.",
     .users = kDeliverySvc},
    {.name = "smtp_never_send_ehlo",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "Never send EHLO: always HELO.",
     .users = kDeliverySvc},
    {.name = "smtp_skip_4xx_greeting",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description =
         "Move on to the next address when a server greets with 4XX (otherwise the message is deferred).",
     .users = kDeliverySvc},
    {.name = "smtp_skip_5xx_greeting",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description =
         "Move on to the next address when a server greets with 5XX (otherwise the message is bounced).",
     .users = kDeliverySvc},
    {.name = "smtp_skip_quit_response",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description = "Do not wait for the reply to QUIT.",
     .users = kDeliverySvc},
    {.name = "smtp_connect_timeout",
     .type = ParamType::kTime,
     .default_value = "30s",
     .description = "Time limit for completing a TCP connection; then the next address is tried.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 3600},
    {.name = "smtp_helo_timeout",
     .type = ParamType::kTime,
     .default_value = "300s",
     .description = "Time limit for receiving the greeting and for the EHLO/HELO reply.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_mail_timeout",
     .type = ParamType::kTime,
     .default_value = "300s",
     .description = "Time limit for the MAIL FROM reply.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_rcpt_timeout",
     .type = ParamType::kTime,
     .default_value = "300s",
     .description = "Time limit for each RCPT TO reply.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_data_init_timeout",
     .type = ParamType::kTime,
     .default_value = "120s",
     .description = "Time limit for the DATA reply.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_data_xfer_timeout",
     .type = ParamType::kTime,
     .default_value = "180s",
     .description = "Time limit for progress while sending the message content.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_data_done_timeout",
     .type = ParamType::kTime,
     .default_value = "600s",
     .description = "Time limit for the reply to the final \".\".",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_quit_timeout",
     .type = ParamType::kTime,
     .default_value = "300s",
     .description = "Time limit for the QUIT reply (when smtp_skip_quit_response = no).",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_rset_timeout",
     .type = ParamType::kTime,
     .default_value = "20s",
     .description = "Time limit for the RSET reply (sent before a cached connection is reused).",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_pix_workaround_threshold_time",
     .type = ParamType::kTime,
     .default_value = "500s",
     .description =
         "For a message queued at least this long, send the final \".\" on its own (Cisco PIX workaround).",
     .users = kDeliverySvc,
     .min = 0,
     .max = 604800},
    {.name = "smtp_pix_workaround_delay_time",
     .type = ParamType::kTime,
     .default_value = "10s",
     .description = "How long to wait before that lone \".\".",
     .users = kDeliverySvc,
     .min = 0,
     .max = 3600},
    {.name = "smtp_pix_workarounds",
     .type = ParamType::kList,
     .default_value = "disable_esmtp, delay_dotcrlf",
     .description = "Workarounds for a server whose greeting looks like a Cisco PIX firewall's (only \"2\", "
                    "\"0\", \"*\" and white space): disable_esmtp (HELO, not EHLO), delay_dotcrlf (the lone "
                    "\".\" for old messages).",
     .users = kDeliverySvc,
     .choices = "disable_esmtp,delay_dotcrlf"},
    {.name = "smtp_pix_workaround_maps",
     .type = ParamType::kString,
     .default_value = "",
     .description = "Lookup table (texthash:/path) from a server's IP address to its PIX workarounds, for "
                    "servers whose greeting does not give them away.",
     .users = kDeliverySvc},
    {.name = "smtp_line_length_limit",
     .type = ParamType::kInt,
     .default_value = "998",
     .description = "Longer message lines are broken by inserting CRLF SPACE (0: no limit; otherwise at "
                    "least 40).",
     .users = kDeliverySvc,
     .min = 0,
     .max = 1073741824},
    {.name = "default_destination_recipient_limit",
     .type = ParamType::kInt,
     .default_value = "50",
     .description = "Default for the per-transaction recipient limits.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 1073741824},
    {.name = "smtp_destination_recipient_limit",
     .type = ParamType::kInt,
     .default_value = "$default_destination_recipient_limit",
     .description = "At most this many recipients per MAIL transaction; a larger request becomes several "
                    "transactions on the same connection.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 1073741824},
    {.name = "default_destination_concurrency_limit",
     .type = ParamType::kInt,
     .default_value = "20",
     .description = "Default for the per-destination concurrency limits.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 1073741824},
    {.name = "smtp_destination_concurrency_limit",
     .type = ParamType::kInt,
     .default_value = "$default_destination_concurrency_limit",
     .description = "At most this many parallel SMTP sessions per next hop, across all requests; more wait "
                    "in arrival order.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 1073741824},
    {.name = "smtp_chunking_enable",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description = "Send the message with BDAT (RFC 3030 CHUNKING) when the server offers it, instead "
                    "of DATA.",
     .users = kDeliverySvc},
    {.name = "smtp_connection_cache_on_demand",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description = "Keep connections open after a successful delivery and reuse them for the same next hop.",
     .users = kDeliverySvc},
    {.name = "smtp_connection_cache_time_limit",
     .type = ParamType::kTime,
     .default_value = "2s",
     .description = "How long an idle connection stays in the cache.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 300},
    {.name = "smtp_connection_reuse_time_limit",
     .type = ParamType::kTime,
     .default_value = "300s",
     .description = "Stop reusing a connection once it is this old.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},
    {.name = "smtp_mx_address_limit",
     .type = ParamType::kInt,
     .default_value = "5",
     .description = "The most addresses tried for one delivery (0: no limit).",
     .users = kDeliverySvc,
     .min = 0,
     .max = 1073741824},
    {.name = "smtp_mx_session_limit",
     .type = ParamType::kInt,
     .default_value = "2",
     .description =
         "The most SMTP sessions per delivery that complete the greeting, EHLO and TLS handshake "
         "before the MX hosts are given up (then the fallback relays get as many); 0: no limit. A "
         "recipient with a temporary failure (4xx, timeout, lost connection before the end of the "
         "content) goes to the next server meanwhile, as in Postfix 2.3 and later; 1 gives the old "
         "rule that no error after the greeting moves on.",
     .users = kDeliverySvc,
     .min = 0,
     .max = 1073741824},
    {.name = "debug_peer_list",
     .type = ParamType::kList,
     .default_value = "",
     .description = "Servers (host names, domains with a leading dot, or addresses) whose sessions are "
                    "logged in detail.",
     .users = kDeliverySvc},
    {.name = "debug_peer_level",
     .type = ParamType::kInt,
     .default_value = "2",
     .description = "How much more detail for debug_peer_list servers (1: commands and replies).",
     .users = kDeliverySvc,
     .min = 0,
     .max = 10},
    {.name = "delivery_session_limit",
     .type = ParamType::kInt,
     .default_value = "1000",
     .description = "The most SMTP sessions delivery-svc runs at once; more deliveries wait.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 1000000},
    {.name = "delivery_pending_request_limit",
     .type = ParamType::kInt,
     .default_value = "10000",
     .description = "The most Deliver requests accepted at once; more are refused with RESOURCE_EXHAUSTED.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 10000000},
    {.name = "delivery_spool_size_limit",
     .type = ParamType::kInt,
     .default_value = "1073741824",
     .description = "The most bytes of messages delivery-svc holds in delivery_spool_directory at once "
                    "(the declared message_size of every call in progress). A call that would pass it is "
                    "refused with RESOURCE_EXHAUSTED before anything is written, and a client may send it "
                    "to another replica. Size it below the spool volume (Kubernetes: the emptyDir's "
                    "sizeLimit). 0: no limit; otherwise not below message_size_limit.",
     .users = kDeliverySvc,
     .min = 0,
     .max = std::numeric_limits<int64_t>::max()},
    {.name = "message_size_limit",
     .type = ParamType::kInt,
     .default_value = "10240000",
     .description = "The largest message Deliver takes, in octets (its declared message_size); a larger "
                    "one is refused with INVALID_ARGUMENT before anything is spooled or sent, as Postfix "
                    "would not have queued it. 0 means no limit.",
     .users = kDeliverySvc,
     .min = 0,
     .max = std::numeric_limits<int64_t>::max()},
    {.name = "delivery_spool_directory",
     .type = ParamType::kString,
     .default_value = "/tmp",
     .description =
         "Where message content received over gRPC is held (unlinked temporary files) while it is delivered.",
     .users = kDeliverySvc},

    // Content conversion (docs/mime-conversion.md).
    {.name = "disable_mime_output_conversion",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "Send 8-bit content as it is to servers that do not offer 8BITMIME, instead of "
                    "converting it to 7bit (quoted-printable) MIME.",
     .users = kDeliverySvc},
    {.name = "mime_nesting_limit",
     .type = ParamType::kInt,
     .default_value = "100",
     .description = "The deepest multipart/message nesting converted; a deeper message that needs "
                    "conversion is bounced (5.6.0).",
     .users = kDeliverySvc,
     .min = 1,
     .max = 100000},
    {.name = "mime_boundary_length_limit",
     .type = ParamType::kInt,
     .default_value = "2048",
     .description = "How much of a multipart boundary string is kept for matching while converting.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 1048576},

    // TLS (Postfix's smtp_tls_* parameters; docs/tls-and-sasl.md).
    {.name = "smtp_tls_security_level",
     .type = ParamType::kString,
     .default_value = "",
     .description = "TLS for deliveries: none (or empty), may (STARTTLS when offered; plain text if the "
                    "handshake fails), encrypt (TLS required, certificate not checked), verify (the "
                    "certificate must be trusted and match smtp_tls_verify_cert_match), secure (trusted "
                    "and matching smtp_tls_secure_cert_match). dane and fingerprint are not supported.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_policy_maps",
     .type = ParamType::kString,
     .default_value = "",
     .description = "Per-next-hop TLS policy table (type:/path; the text source is read at start-up): "
                    "\"next-hop level [match=a:b] [protocols=...] [ciphers=grade] [exclude=...]\", keyed "
                    "by the next hop as given (\"example.com\", \"[mx.example.com]:587\"); \".example.com\" "
                    "entries match subdomains.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_wrappermode",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "TLS from the first byte (implicit TLS, port 465) instead of STARTTLS; a "
                    "security level below encrypt is raised to encrypt.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_protocols",
     .type = ParamType::kString,
     .default_value = ">=TLSv1.2",
     .description = "TLS protocols at level may: \">=TLSv1.2\", \"<=TLSv1.3\" or exclusions such as "
                    "\"!SSLv2, !SSLv3, !TLSv1, !TLSv1.1\".",
     .users = kDeliverySvc},
    {.name = "smtp_tls_mandatory_protocols",
     .type = ParamType::kString,
     .default_value = ">=TLSv1.2",
     .description = "TLS protocols at levels encrypt, verify and secure.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_ciphers",
     .type = ParamType::kChoice,
     .default_value = "medium",
     .description = "Cipher grade at level may (TLS 1.2 and older; TLS 1.3 suites are OpenSSL's).",
     .users = kDeliverySvc,
     .choices = "high,medium,low,export,null"},
    {.name = "smtp_tls_mandatory_ciphers",
     .type = ParamType::kChoice,
     .default_value = "medium",
     .description = "Cipher grade at levels encrypt, verify and secure.",
     .users = kDeliverySvc,
     .choices = "high,medium,low,export,null"},
    {.name = "smtp_tls_exclude_ciphers",
     .type = ParamType::kList,
     .default_value = "",
     .description = "OpenSSL cipher names or classes to exclude at every level.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_mandatory_exclude_ciphers",
     .type = ParamType::kList,
     .default_value = "",
     .description = "OpenSSL cipher names or classes to exclude at levels encrypt and higher.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_CAfile",
     .type = ParamType::kString,
     .default_value = "",
     .description = "File of trusted CA certificates (PEM), read at start-up.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_CApath",
     .type = ParamType::kString,
     .default_value = "",
     .description = "Directory of trusted CA certificates (PEM), every file read at start-up "
                    "(e.g. /etc/ssl/certs).",
     .users = kDeliverySvc},
    {.name = "tls_append_default_CA",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "Also trust OpenSSL's default CA bundle and directory (read at start-up).",
     .users = kDeliverySvc},
    {.name = "smtp_tls_cert_file",
     .type = ParamType::kString,
     .default_value = "",
     .description = "Client certificate (PEM, with its chain) presented when a server asks for one.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_key_file",
     .type = ParamType::kString,
     .default_value = "$smtp_tls_cert_file",
     .description = "Private key of smtp_tls_cert_file (PEM).",
     .users = kDeliverySvc},
    {.name = "smtp_tls_servername",
     .type = ParamType::kString,
     .default_value = "hostname",
     .description = "SNI sent in the handshake: hostname (the MX host), nexthop (the next-hop domain), a "
                    "fixed name, or empty for none. (Postfix's default is empty; mxd sends the host name.)",
     .users = kDeliverySvc},
    {.name = "smtp_tls_verify_cert_match",
     .type = ParamType::kList,
     .default_value = "hostname",
     .description = "Names the server certificate must match at level verify: hostname, nexthop, "
                    "dot-nexthop, or literal names (\".example.com\": any subdomain).",
     .users = kDeliverySvc},
    {.name = "smtp_tls_secure_cert_match",
     .type = ParamType::kList,
     .default_value = "nexthop, dot-nexthop",
     .description = "Names the server certificate must match at level secure.",
     .users = kDeliverySvc},
    {.name = "smtp_tls_session_cache_timeout",
     .type = ParamType::kTime,
     .default_value = "3600s",
     .description = "How long TLS sessions are kept for resumption (in memory, per process); 0 turns "
                    "resumption off.",
     .users = kDeliverySvc,
     .min = 0,
     .max = 8640000},
    {.name = "smtp_starttls_timeout",
     .type = ParamType::kTime,
     .default_value = "300s",
     .description = "Time limit for the TLS handshake.",
     .users = kDeliverySvc,
     .min = 1,
     .max = 86400},

    // SASL authentication (Postfix's smtp_sasl_* parameters).
    {.name = "smtp_sasl_auth_enable",
     .type = ParamType::kBool,
     .default_value = "no",
     .description = "Authenticate (SMTP AUTH) to servers that offer AUTH when smtp_sasl_password_maps "
                    "has a password for the next hop or the server.",
     .users = kDeliverySvc},
    {.name = "smtp_sasl_password_maps",
     .type = ParamType::kString,
     .default_value = "",
     .description = "Table (type:/path; the text source is read at start-up and on SIGHUP) of "
                    "\"next-hop user:password\"; looked up by the next hop as given "
                    "(\"[smtp.example.com]:587\") only, never by a server name from the caller's routes "
                    "(unlike Postfix, which also tries the server's name): with route_key_file the next "
                    "hop and its routes are signed together. Passwords never appear in logs.",
     .users = kDeliverySvc},
    {.name = "smtp_sasl_security_options",
     .type = ParamType::kList,
     .default_value = "noplaintext, noanonymous",
     .description = "Mechanism restrictions without TLS: noplaintext (no PLAIN, LOGIN), noanonymous, "
                    "nodictionary, noactive, mutual_auth.",
     .users = kDeliverySvc},
    {.name = "smtp_sasl_tls_security_options",
     .type = ParamType::kList,
     .default_value = "$smtp_sasl_security_options",
     .description = "Mechanism restrictions over TLS (e.g. \"noanonymous\" to allow PLAIN inside TLS).",
     .users = kDeliverySvc},
    {.name = "smtp_sasl_mechanism_filter",
     .type = ParamType::kList,
     .default_value = "",
     .description = "Only these of the server's mechanisms (empty: any).",
     .users = kDeliverySvc},
    {.name = "smtp_sasl_auth_soft_bounce",
     .type = ParamType::kBool,
     .default_value = "yes",
     .description = "When the server rejects the login (5xx), defer instead of bouncing.",
     .users = kDeliverySvc},
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
