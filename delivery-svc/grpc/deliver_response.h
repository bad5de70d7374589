// The one place where outcomes become what the caller and the log see: the
// DeliverResponse (protobuf only, no gRPC) and one log line per recipient.
// Every string is valid UTF-8 here, whatever a server sent, so the response
// always serialises and parses back in any client (proto3 strings must be
// UTF-8) and the log stays JSON.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "delivery-svc/smtp/delivery_outcome.h"
#include "mxd/v1/delivery.pb.h"

namespace mxd {

// What the log line says besides the outcome.
struct OutcomeLogContext {
  std::string queue_id;
  std::string nexthop;
  absl::Duration elapsed;
};

// Appends one RecipientOutcome per outcome (recipients[i] is outcome i's
// address) and the transcript lines.
void AppendOutcomes(const std::vector<std::string>& recipients, const std::vector<RecipientOutcome>& outcomes,
                    const std::vector<std::string>& transcript, v1::DeliverResponse* response);

// One "delivery" log line per recipient, Postfix's status words (sent,
// deferred, bounced).
void LogOutcomes(const OutcomeLogContext& context, const std::vector<std::string>& recipients,
                 const std::vector<RecipientOutcome>& outcomes);

}  // namespace mxd
