// The one place where outcomes become what the caller sees: the
// DeliverResponse (protobuf only, no gRPC; the log line is in
// engine/delivery_log.h). Every string is valid UTF-8 here, whatever a
// server sent, so the response always serialises and parses back in any
// client (proto3 strings must be UTF-8).
#pragma once

#include <string>
#include <vector>

#include "delivery-svc/smtp/delivery_outcome.h"
#include "mxd/v1/delivery.pb.h"

namespace mxd {

// Appends one RecipientOutcome per outcome (recipients[i] is outcome i's
// address) and the transcript lines.
void AppendOutcomes(const std::vector<std::string>& recipients, const std::vector<RecipientOutcome>& outcomes,
                    const std::vector<std::string>& transcript, v1::DeliverResponse* response);

}  // namespace mxd
