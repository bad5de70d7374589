// How long one delivery can take at worst with the configured smtp_*_timeout
// values: what delivery-svc checks before it starts another server or
// another transaction within a caller's deadline, and what mxctl and the
// client library take as their default deadline, so that the caller never
// gives up on a delivery the service may still complete.
#pragma once

#include "absl/time/time.h"
#include "common/config/config.h"

namespace mxd {

struct DeliveryTimeBudget {
  // Reaching a server: connect, greeting and EHLO, STARTTLS.
  absl::Duration session_setup;
  // One mail transaction: MAIL FROM, RCPT TO, DATA, the content, the reply
  // to the end of data.
  absl::Duration transaction;

  absl::Duration OneServer() const { return session_setup + transaction; }
};

DeliveryTimeBudget DeliveryTimeBudgetFrom(const Config& config);

// A caller's default deadline for one Deliver call: one server at worst,
// plus a minute for resolving, streaming the message and the reply.
absl::Duration DefaultDeliverDeadline(const Config& config);

}  // namespace mxd
