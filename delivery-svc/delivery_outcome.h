// What happened to one recipient, without gRPC types.
#pragma once

#include <string>

#include "delivery-svc/tls_session_info.h"

namespace mxd {

enum class DeliveryAction { kDelivered, kDeferred, kBounced };

struct RecipientOutcome {
  DeliveryAction action = DeliveryAction::kDeferred;
  int smtp_code = 0;     // the reply that decided it, 0 if none did
  std::string enhanced;  // RFC 3463, e.g. "5.1.1"
  std::string reason;    // Postfix wording, quoting the server verbatim
  std::string host;      // the server that answered, when one did
  std::string ip;
  bool dsn_passed = false;
  TlsSessionInfo tls;  // the session's TLS, when it used TLS
};

}  // namespace mxd
