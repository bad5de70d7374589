// delivery-svc's TLS (smtp_tls_*) and SASL (smtp_sasl_*) parameters.
// Part of the one parameter table (parameter_table.cc joins the parts).
#include "common/config/parameter_groups.h"

namespace mxd {
namespace {

const ParameterSpec kParameters[] = {
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

absl::Span<const ParameterSpec> TlsSaslParameters() { return kParameters; }

}  // namespace mxd
