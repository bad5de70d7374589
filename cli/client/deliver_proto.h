// The client library's structs as Delivery's protobuf messages and back,
// for Deliver (deliver_client.cc) and DeliverStream
// (deliver_stream_client.cc). Message types only, no grpcpp.
#pragma once

#include <cstdint>

#include "absl/status/statusor.h"
#include "cli/client/deliver_client.h"
#include "mxd/v1/delivery.pb.h"

namespace mxd::client {

// `size`: the message content's exact length (message_size).
void FillEnvelope(const DeliverEnvelope& in, uint64_t size, v1::Envelope* out);

// The outcomes and transcript; an error unless there is exactly one outcome
// per recipient (`recipients` of them).
absl::StatusOr<DeliverResult> ResultFromResponse(const v1::DeliverResponse& response, size_t recipients);

}  // namespace mxd::client
