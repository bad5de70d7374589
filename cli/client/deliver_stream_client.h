// Client side of Delivery.DeliverStream, for queue managers that send many
// messages: hand messages over as they come and get a callback per message
// with its outcomes, while many are in flight on one call. The client keeps
// no more in flight than the service allows (its mxd-stream-message-limit)
// and holds the rest until there is room.
//
//   DeliverStreamClient stream("dns:delivery-svc:2526", security);
//   stream.Send(envelope, content, absl::Minutes(30), [](auto result) {...});
//   ...
//   stream.Close();  // waits for every callback
#pragma once

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "cli/client/channel_security.h"
#include "cli/client/deliver_client.h"

namespace mxd::client {

class DeliverStreamClient {
 public:
  // Called exactly once per message, on one of gRPC's threads (keep it
  // short, and never call Close from it). As for DeliverClient::Deliver:
  // a failure for which NothingWasSent() is true may go to another
  // replica at once; any other failure leaves the outcome unknown (defer).
  using Callback = absl::AnyInvocable<void(absl::StatusOr<DeliverResult>)>;

  // Opens the stream. `window`: the most messages in flight (fewer when
  // the service's limit is lower; nothing is sent before it is known).
  explicit DeliverStreamClient(const std::string& target, const ChannelSecurity& security = {},
                               size_t window = 100);
  // Close(), if it was not called.
  ~DeliverStreamClient();
  DeliverStreamClient(const DeliverStreamClient&) = delete;
  DeliverStreamClient& operator=(const DeliverStreamClient&) = delete;

  // Any thread. `timeout` counts from when the service receives the
  // envelope. After Close, or once the stream broke, `done` gets
  // UNAVAILABLE (nothing sent) at once.
  void Send(const DeliverEnvelope& envelope, std::string content, absl::Duration timeout, Callback done);

  // No more messages: waits until every message sent was answered (each
  // callback has returned) and gives the stream's own status.
  absl::Status Close();

  // The largest part of a message in one request.
  static constexpr size_t kPartSize = 64 * 1024;

 private:
  class Reactor;
  Reactor* reactor_;  // deletes itself once the call is over and Close returned
};

}  // namespace mxd::client
