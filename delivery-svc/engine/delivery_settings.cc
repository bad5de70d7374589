#include "delivery-svc/engine/delivery_settings.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/log/json_log.h"
#include "common/nexthop/domain_name.h"

namespace mxd {

void DeliverySettings::WarnAboutUnverifiedCredentials() const {
  if (!sasl || !sasl_passwords) return;
  for (const std::string& nexthop : sasl_passwords->Nexthops()) {
    const TlsLevel level = tls_policies ? tls_policies->For(nexthop).level : TlsLevel::kNone;
    if (level >= TlsLevel::kVerify) continue;
    LogWarning("sasl_tls_not_verified",
               {{"nexthop", nexthop},
                {"tls_level", TlsLevelName(level)},
                {"warning",
                 absl::StrCat("smtp_sasl_password_maps has a password for ", nexthop,
                              ", whose TLS level does not verify the server: give it \"secure\" (or verify) "
                              "in smtp_tls_policy_maps")}});
  }
}

absl::StatusOr<DeliverySettings> DeliverySettings::FromConfig(const Config& c,
                                                              const LookupTable::FileContents* tables,
                                                              const DeliverySettings* previous) {
  DeliverySettings d;
  SessionSettings& s = d.session;
  s.helo_name = c.GetString("smtp_helo_name");
  if (absl::Status st = ValidateDomainName(s.helo_name); !st.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(c.Origin("smtp_helo_name"), ": parameter smtp_helo_name: ", st.message()));
  }
  s.always_send_ehlo = c.GetBool("smtp_always_send_ehlo");
  s.never_send_ehlo = c.GetBool("smtp_never_send_ehlo");
  s.skip_4xx_greeting = c.GetBool("smtp_skip_4xx_greeting");
  s.skip_5xx_greeting = c.GetBool("smtp_skip_5xx_greeting");
  s.skip_quit_response = c.GetBool("smtp_skip_quit_response");
  s.helo_timeout = c.GetTime("smtp_helo_timeout");
  s.mail_timeout = c.GetTime("smtp_mail_timeout");
  s.rcpt_timeout = c.GetTime("smtp_rcpt_timeout");
  s.data_init_timeout = c.GetTime("smtp_data_init_timeout");
  s.data_xfer_timeout = c.GetTime("smtp_data_xfer_timeout");
  s.data_done_timeout = c.GetTime("smtp_data_done_timeout");
  s.quit_timeout = c.GetTime("smtp_quit_timeout");
  s.rset_timeout = c.GetTime("smtp_rset_timeout");
  s.pix_delay = c.GetTime("smtp_pix_workaround_delay_time");
  s.pix_workarounds = c.GetList("smtp_pix_workarounds");
  const int64_t line_limit = c.GetInt("smtp_line_length_limit");
  if (line_limit > 0 && line_limit < kMinLineLengthLimit) {
    // Each piece of a broken line starts with a space: a tiny limit would
    // break lines without end.
    return absl::InvalidArgumentError(
        absl::StrCat(c.Origin("smtp_line_length_limit"), ": parameter smtp_line_length_limit: ", line_limit,
                     " makes no sense: 0 (no limit) or at least ", kMinLineLengthLimit));
  }
  s.line_length_limit = line_limit == 0 ? SIZE_MAX : static_cast<size_t>(line_limit);
  s.recipient_limit = static_cast<size_t>(c.GetInt("smtp_destination_recipient_limit"));
  s.chunking = c.GetBool("smtp_chunking_enable");
  s.mime_output_conversion = !c.GetBool("disable_mime_output_conversion");
  s.mime_limits.nesting_limit = static_cast<size_t>(c.GetInt("mime_nesting_limit"));
  s.mime_limits.boundary_length_limit = static_cast<size_t>(c.GetInt("mime_boundary_length_limit"));

  d.connect_timeout = c.GetTime("smtp_connect_timeout");
  d.pix_threshold = c.GetTime("smtp_pix_workaround_threshold_time");
  d.concurrency_limit = static_cast<size_t>(c.GetInt("smtp_destination_concurrency_limit"));
  d.connection_cache = c.GetBool("smtp_connection_cache_on_demand");
  d.cache_time_limit = c.GetTime("smtp_connection_cache_time_limit");
  d.reuse_time_limit = c.GetTime("smtp_connection_reuse_time_limit");
  d.mx_address_limit = static_cast<size_t>(c.GetInt("smtp_mx_address_limit"));
  d.mx_session_limit = static_cast<size_t>(c.GetInt("smtp_mx_session_limit"));
  d.debug_peer_list = PeerList(c.GetList("debug_peer_list"));
  d.debug_peer_level = static_cast<int>(c.GetInt("debug_peer_level"));
  d.session_limit = static_cast<size_t>(c.GetInt("delivery_session_limit"));
  d.event_loops = static_cast<size_t>(c.GetInt("delivery_event_loops"));
  d.reply_memory_limit = static_cast<size_t>(c.GetInt("delivery_reply_memory_limit"));
  d.reply_budget =
      previous != nullptr ? previous->reply_budget : std::make_shared<ByteBudget>(d.reply_memory_limit);
  s.reply_budget = d.reply_budget.get();
  d.memory_spool_message_limit = static_cast<uint64_t>(c.GetInt("delivery_memory_spool_message_limit"));
  d.memory_spool_limit = static_cast<uint64_t>(c.GetInt("delivery_memory_spool_size_limit"));
  d.memory_spool_budget = previous != nullptr ? previous->memory_spool_budget
                                              : std::make_shared<ByteBudget>(d.memory_spool_limit);
  d.pending_request_limit = static_cast<size_t>(c.GetInt("delivery_pending_request_limit"));
  d.stream_message_limit = static_cast<size_t>(c.GetInt("delivery_stream_message_limit"));
  d.message_size_limit = static_cast<uint64_t>(c.GetInt("message_size_limit"));
  // The sandbox may create files only where it could at start (Landlock).
  d.spool_directory =
      previous != nullptr ? previous->spool_directory : c.GetString("delivery_spool_directory");
  d.spool_size_limit = static_cast<uint64_t>(c.GetInt("delivery_spool_size_limit"));
  d.spool_budget =
      previous != nullptr ? previous->spool_budget : std::make_shared<ByteBudget>(d.SpoolBudgetLimit());
  if (d.spool_size_limit > 0 && d.message_size_limit > d.spool_size_limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        c.Origin("delivery_spool_size_limit"), ": parameter delivery_spool_size_limit: ", d.spool_size_limit,
        " is below message_size_limit (", d.message_size_limit,
        "): the largest message could never be spooled"));
  }
  d.use_ipv4 = d.use_ipv6 = false;
  for (const std::string& p : c.GetList("inet_protocols")) {
    if (p == "all" || p == "ipv4") d.use_ipv4 = true;
    if (p == "all" || p == "ipv6") d.use_ipv6 = true;
  }
  s.starttls_timeout = c.GetTime("smtp_starttls_timeout");
  d.time_budget = DeliveryTimeBudgetFrom(c);
  if (absl::Status st = LoadTlsAndSasl(c, tables, previous, &d); !st.ok()) return st;
  return d;
}

absl::Status DeliverySettings::LoadTlsAndSasl(const Config& c, const LookupTable::FileContents* tables,
                                              const DeliverySettings* previous, DeliverySettings* d) {
  auto named = [&c](absl::string_view param, const absl::Status& st) {
    return absl::Status(st.code(), absl::StrCat(c.Origin(param), ": parameter ", param, ": ", st.message()));
  };
  absl::StatusOr<TlsLevel> level = ParseTlsLevel(c.GetString("smtp_tls_security_level"));
  if (!level.ok()) return named("smtp_tls_security_level", level.status());
  absl::StatusOr<LookupTable> policy_map = LookupTable::Load(c.GetString("smtp_tls_policy_maps"), tables);
  if (!policy_map.ok()) return named("smtp_tls_policy_maps", policy_map.status());
  absl::StatusOr<TlsPolicyTable> policies =
      TlsPolicyTable::Create(*level, c.GetList("smtp_tls_verify_cert_match"),
                             c.GetList("smtp_tls_secure_cert_match"), std::move(*policy_map));
  if (!policies.ok()) return named("smtp_tls_policy_maps", policies.status());
  d->tls_policies = std::make_shared<TlsPolicyTable>(std::move(*policies));
  d->tls_wrappermode = c.GetBool("smtp_tls_wrappermode");

  TlsClientSettings t;
  t.protocols = c.GetString("smtp_tls_protocols");
  t.mandatory_protocols = c.GetString("smtp_tls_mandatory_protocols");
  t.ciphers = c.GetString("smtp_tls_ciphers");
  t.mandatory_ciphers = c.GetString("smtp_tls_mandatory_ciphers");
  t.exclude_ciphers = absl::StrJoin(c.GetList("smtp_tls_exclude_ciphers"), ":");
  t.mandatory_exclude_ciphers = absl::StrJoin(c.GetList("smtp_tls_mandatory_exclude_ciphers"), ":");
  t.ca_file = c.GetString("smtp_tls_CAfile");
  t.ca_path = c.GetString("smtp_tls_CApath");
  t.append_default_ca = c.GetBool("tls_append_default_CA");
  t.cert_file = c.GetString("smtp_tls_cert_file");
  t.key_file = c.GetString("smtp_tls_key_file");
  t.servername = c.GetString("smtp_tls_servername");
  t.session_cache_timeout = c.GetTime("smtp_tls_session_cache_timeout");
  if (previous != nullptr) {
    d->tls_context = previous->tls_context;  // files cannot be opened again inside the sandbox
  } else {
    absl::StatusOr<std::unique_ptr<TlsClientContext>> tls = TlsClientContext::Create(t);
    if (!tls.ok()) return absl::Status(tls.status().code(), absl::StrCat("TLS: ", tls.status().message()));
    d->tls_context = std::move(*tls);
  }

  absl::StatusOr<std::shared_ptr<const RouteKey>> route_key = LoadRouteKey(c, tables);
  if (!route_key.ok()) return named("route_key_file", route_key.status());
  d->route_key = *std::move(route_key);
  d->sasl_soft_bounce = c.GetBool("smtp_sasl_auth_soft_bounce");
  d->sasl_mechanism_filter = c.GetList("smtp_sasl_mechanism_filter");
  absl::StatusOr<SaslSecurityOptions> plain =
      SaslSecurityOptions::Parse(c.GetList("smtp_sasl_security_options"));
  if (!plain.ok()) return named("smtp_sasl_security_options", plain.status());
  absl::StatusOr<SaslSecurityOptions> over_tls =
      SaslSecurityOptions::Parse(c.GetList("smtp_sasl_tls_security_options"));
  if (!over_tls.ok()) return named("smtp_sasl_tls_security_options", over_tls.status());
  d->sasl_options = *plain;
  d->sasl_tls_options = *over_tls;
  if (!c.GetString("smtp_pix_workaround_maps").empty()) {
    absl::StatusOr<LookupTable> pix = LookupTable::Load(c.GetString("smtp_pix_workaround_maps"), tables);
    if (!pix.ok()) return named("smtp_pix_workaround_maps", pix.status());
    d->pix_workaround_maps = std::make_shared<LookupTable>(std::move(*pix));
  }
  if (!c.GetBool("smtp_sasl_auth_enable")) return absl::OkStatus();
  absl::StatusOr<LookupTable> passwords = LookupTable::Load(c.GetString("smtp_sasl_password_maps"), tables);
  if (!passwords.ok()) return named("smtp_sasl_password_maps", passwords.status());
  absl::StatusOr<SaslPasswords> credentials = SaslPasswords::FromTable(*std::move(passwords));
  if (!credentials.ok()) return credentials.status();
  d->sasl_passwords = std::make_shared<SaslPasswords>(*std::move(credentials));
  if (previous != nullptr && previous->sasl) {
    d->sasl = previous->sasl;
    return absl::OkStatus();
  }
  absl::StatusOr<std::unique_ptr<SaslClient>> sasl = SaslClient::Create();
  if (!sasl.ok()) return sasl.status();
  d->sasl = std::move(*sasl);
  return absl::OkStatus();
}

}  // namespace mxd
