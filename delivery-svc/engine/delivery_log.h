// One "delivery" log line per recipient, in Postfix's status words (sent,
// deferred, bounced): the record an operator greps, and the only one when
// the caller is gone. Every field is valid UTF-8 (common/log/json_log.h).
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "delivery-svc/smtp/delivery_outcome.h"

namespace mxd {

// What the log line says besides the outcome.
struct OutcomeLogContext {
  std::string queue_id;
  std::string nexthop;
  absl::Duration elapsed;
};

// recipients[i] is outcome i's address.
void LogOutcomes(const OutcomeLogContext& context, const std::vector<std::string>& recipients,
                 const std::vector<RecipientOutcome>& outcomes);

}  // namespace mxd
