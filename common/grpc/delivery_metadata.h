// Metadata of Delivery.Deliver and DeliverStream calls, shared by delivery-svc and the client
// library (docs/clients.md, "Failover and unknown outcomes").
#pragma once

namespace mxd {

// Initial metadata of every call delivery-svc took on: a failure after it
// leaves the outcome unknown, unless the trailer below says otherwise.
inline constexpr char kAcceptedMetadata[] = "mxd-accepted";
// Trailing metadata of a failed call that never reached SMTP: the client
// may send the message to another replica at once.
inline constexpr char kNothingSentTrailer[] = "mxd-nothing-sent";
// Initial metadata of a DeliverStream: delivery_stream_message_limit, the
// most messages the stream may have awaiting their response.
inline constexpr char kStreamMessageLimitMetadata[] = "mxd-stream-message-limit";

}  // namespace mxd
