// What one SMTP session is told: the protocol settings every session shares
// (Postfix's smtp_* parameters) and the TLS and AUTH choices made for this
// connection from the policy tables.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/memory/byte_budget.h"
#include "delivery-svc/mime/mime_limits.h"
#include "delivery-svc/sasl/sasl_client.h"
#include "delivery-svc/tls/tls_level.h"

namespace mxd {

struct SessionSettings {
  std::string helo_name = "localhost";
  bool always_send_ehlo = true;
  bool never_send_ehlo = false;
  bool skip_4xx_greeting = true;
  bool skip_5xx_greeting = true;
  bool skip_quit_response = true;
  absl::Duration helo_timeout = absl::Seconds(300);
  absl::Duration mail_timeout = absl::Seconds(300);
  absl::Duration rcpt_timeout = absl::Seconds(300);
  absl::Duration data_init_timeout = absl::Seconds(120);
  absl::Duration data_xfer_timeout = absl::Seconds(180);
  absl::Duration data_done_timeout = absl::Seconds(600);
  absl::Duration quit_timeout = absl::Seconds(300);
  absl::Duration rset_timeout = absl::Seconds(20);
  absl::Duration pix_delay = absl::Seconds(10);
  // smtp_pix_workarounds: what a server with a PIX-like greeting gets.
  std::vector<std::string> pix_workarounds = {"disable_esmtp", "delay_dotcrlf"};
  absl::Duration starttls_timeout = absl::Seconds(300);
  size_t line_length_limit = 998;
  size_t recipient_limit = 50;
  bool chunking = true;  // BDAT (RFC 3030) when the server offers CHUNKING
  // 8-bit content to a server without 8BITMIME: convert to 7bit (MIME) unless
  // disable_mime_output_conversion; the limits are Postfix's mime_* ones.
  bool mime_output_conversion = true;
  MimeLimits mime_limits;
  // delivery_reply_memory_limit, shared by every session; null: none.
  ByteBudget* reply_budget = nullptr;
};

// TLS and AUTH for one connection, decided by the caller from the policy
// tables (Postfix's smtp_tls_policy.c and smtp_sasl_proto.c inputs).
struct SessionSecurity {
  TlsLevel tls_level = TlsLevel::kNone;
  bool wrappermode = false;  // TLS from the first byte (smtp_tls_wrappermode, port 465)
  // The plain-text retry after an opportunistic (may) handshake failed:
  // no STARTTLS this time.
  bool no_starttls = false;
  // AUTH when `sasl` is set and the server offers AUTH.
  const SaslClient* sasl = nullptr;
  SaslCredentials credentials;
  std::vector<std::string> mechanism_filter;  // smtp_sasl_mechanism_filter
  SaslSecurityOptions sasl_options;           // smtp_sasl_security_options
  SaslSecurityOptions sasl_tls_options;       // smtp_sasl_tls_security_options
  bool sasl_soft_bounce = true;               // smtp_sasl_auth_soft_bounce
  // smtp_pix_workaround_maps' entry for this server's address, when it has
  // one (it overrides what the greeting suggests).
  std::optional<std::vector<std::string>> pix_workarounds;
};

}  // namespace mxd
