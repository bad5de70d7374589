// One Deliver request in the engine's terms, whoever made it: the message
// (its well-formed recipients), every recipient in the caller's order with
// the malformed ones marked, where it may go, and when the caller stops
// waiting. The gRPC layer builds it (grpc/deliver_request.h); the engine
// settles what depends on the settings and the clock, delivers it, and
// turns the result into one logged outcome per recipient.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "delivery-svc/engine/delivery_attempt.h"
#include "delivery-svc/engine/delivery_settings.h"
#include "delivery-svc/smtp/body_transfer.h"
#include "delivery-svc/smtp/message.h"

namespace mxd {

struct DeliveryJob {
  std::string queue_id;
  std::string nexthop;                      // as the caller gave it; may be empty
  std::vector<std::string> recipients;      // all of the request's, in order
  std::vector<std::string> bad_recipients;  // per recipient: why its address is malformed, or ""
  MessageEnvelope msg;                      // the well-formed recipients only
  std::vector<RouteTarget> routes;
  std::optional<absl::Time> arrival;             // when the queue manager received the message
  absl::Time deadline = absl::InfiniteFuture();  // the caller's

  // The concurrency key and the log's nexthop: the next hop, else the first
  // route's host.
  std::string Destination() const;
};

// What depends on the settings and the clock: the PIX delay_dotcrlf
// workaround for a message older than smtp_pix_workaround_threshold_time,
// and the last moment a transaction after the first may begin (the
// caller's deadline less one transaction's worst case).
void PlanJob(const DeliverySettings& settings, absl::Time now, DeliveryJob* job);

// The 8BITMIME-to-7BIT converter's first pass over an 8-bit message, run by
// the thread that spooled it once the last chunk is in, so that no event-loop
// callback reads a whole message when a server turns out to need conversion.
// (Not chunk by chunk while the stream arrives: a scanner's state, up to a
// few hundred KB with long header fields, would then be held by every call
// still sending, up to delivery_pending_request_limit of them; this way only
// by the few threads finishing a stream.) Needs msg.content; a read error
// leaves it to the session, which then defers.
void ScanForConversion(const SessionSettings& settings, DeliveryJob* job);

// One outcome per recipient of the request, in its order: a malformed
// address bounced (5.1.3), the others as `delivered` (one per well-formed
// recipient) says; each logged as a "delivery" line (delivery_log.h).
std::vector<RecipientOutcome> FinishJob(const DeliveryJob& job, absl::string_view destination,
                                        absl::Duration elapsed, std::vector<RecipientOutcome> delivered);

}  // namespace mxd
