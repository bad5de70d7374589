#include "delivery-svc/delivery_settings.h"

#include "absl/strings/str_cat.h"
#include "common/nexthop/domain_name.h"

namespace mxd {

absl::StatusOr<DeliverySettings> DeliverySettings::FromConfig(const Config& c) {
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
  const int64_t line_limit = c.GetInt("smtp_line_length_limit");
  s.line_length_limit = line_limit == 0 ? SIZE_MAX : static_cast<size_t>(line_limit);
  s.recipient_limit = static_cast<size_t>(c.GetInt("smtp_destination_recipient_limit"));
  s.chunking = c.GetBool("smtp_chunking_enable");

  d.connect_timeout = c.GetTime("smtp_connect_timeout");
  d.pix_threshold = c.GetTime("smtp_pix_workaround_threshold_time");
  d.concurrency_limit = static_cast<size_t>(c.GetInt("smtp_destination_concurrency_limit"));
  d.connection_cache = c.GetBool("smtp_connection_cache_on_demand");
  d.cache_time_limit = c.GetTime("smtp_connection_cache_time_limit");
  d.reuse_time_limit = c.GetTime("smtp_connection_reuse_time_limit");
  d.mx_address_limit = static_cast<size_t>(c.GetInt("smtp_mx_address_limit"));
  d.debug_peer_list = c.GetList("debug_peer_list");
  d.debug_peer_level = static_cast<int>(c.GetInt("debug_peer_level"));
  d.session_limit = static_cast<size_t>(c.GetInt("delivery_session_limit"));
  d.pending_request_limit = static_cast<size_t>(c.GetInt("delivery_pending_request_limit"));
  d.spool_directory = c.GetString("delivery_spool_directory");
  d.use_ipv4 = d.use_ipv6 = false;
  for (const std::string& p : c.GetList("inet_protocols")) {
    if (p == "all" || p == "ipv4") d.use_ipv4 = true;
    if (p == "all" || p == "ipv6") d.use_ipv6 = true;
  }
  return d;
}

}  // namespace mxd
