// A Deliver request's envelope, from the protobuf message to the engine's
// terms: the checks behind INVALID_ARGUMENT that need the proto (the
// address and parameter checks themselves are smtp/envelope_check.h), and
// the conversion to a DeliveryJob.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "delivery-svc/engine/delivery_job.h"
#include "mxd/v1/delivery.pb.h"

namespace mxd {

// A recipient whose address is merely malformed does not fail the envelope:
// (*bad_recipients)[i] says why, and that recipient alone is bounced (5.1.3).
absl::Status CheckEnvelope(const v1::Envelope& envelope, uint64_t message_size_limit,
                           std::vector<std::string>* bad_recipients);

// The checked envelope as a job; `saw_8bit`: the content has 8-bit octets
// (a body declared 7bit that has them is 8-bit all the same), `deadline`
// the caller's.
DeliveryJob JobFromEnvelope(const v1::Envelope& envelope, std::vector<std::string> bad_recipients,
                            bool saw_8bit, absl::Time deadline);

}  // namespace mxd
