// Client side of Delivery.Deliver: the envelope and routes as plain structs,
// the message from a buffer or a file descriptor (streamed in chunks), and
// one outcome per recipient back.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "cli/client/channel_security.h"
#include "cli/client/resolve_client.h"

namespace mxd::client {

struct DeliverRecipient {
  std::string address;
  std::vector<std::string> notify;  // "NEVER", "SUCCESS", "FAILURE", "DELAY"
  std::string orcpt;
};

struct DeliverEnvelope {
  std::string queue_id;
  std::string sender;
  std::vector<DeliverRecipient> recipients;
  std::string nexthop;
  std::vector<ResolvedRoute> routes;
  std::string route_signature;                     // ResolveResult::route_signature, untouched
  absl::Time arrival_time = absl::InfinitePast();  // unknown
  enum class Body { kUnspecified, k7Bit, k8BitMime, kBinaryMime } body = Body::kUnspecified;
  bool smtputf8 = false;
  std::string dsn_ret;    // "FULL", "HDRS" or "" (RFC 3461 RET)
  std::string dsn_envid;  // "" for none (RFC 3461 ENVID)
};

struct DeliverOutcome {
  enum class Action { kDelivered, kDeferred, kBounced };
  std::string address;
  Action action = Action::kDeferred;
  uint32_t smtp_code = 0;
  std::string enhanced_status;
  std::string reason;
  std::string host;
  std::string ip;
  bool dsn_passed = false;
};

struct DeliverResult {
  std::vector<DeliverOutcome> outcomes;
  std::vector<std::string> transcript;
};

class DeliverClient {
 public:
  explicit DeliverClient(const std::string& target, const ChannelSecurity& security = {});
  ~DeliverClient();

  // A non-OK status is the RPC's failure: INVALID_ARGUMENT for bad input
  // (nothing was sent); otherwise NothingWasSent() tells whether the
  // message may have gone out. Treat every failure as "try again later".
  absl::StatusOr<DeliverResult> Deliver(const DeliverEnvelope& envelope, absl::string_view content,
                                        absl::Duration timeout);
  // Streams the message from `fd`: a regular file is sent from where it is;
  // anything else (a pipe) is first copied to an unlinked temporary file to
  // learn its size.
  absl::StatusOr<DeliverResult> DeliverFd(const DeliverEnvelope& envelope, int fd, absl::Duration timeout);

  static constexpr size_t kChunkSize = 64 * 1024;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

const char* ActionName(DeliverOutcome::Action a);

// For a failed Deliver: true when nothing can have gone out over SMTP (the
// service never took the call, or said so in its trailer), so the message
// may go to another replica at once. False means the outcome is unknown:
// defer, never send it elsewhere right away (docs/clients.md).
bool NothingWasSent(const absl::Status& status);
absl::Status MarkNothingSent(absl::Status status);

// The deadline to give Deliver when you have no better one: above the
// service's worst case for one server with the smtp_*_timeout values of
// delivery-svc's main.cf at `main_cf` (Postfix's defaults when empty), so a
// caller never abandons a delivery the service may still complete (see
// docs/clients.md). An unreadable file is an error.
absl::StatusOr<absl::Duration> DefaultDeliverTimeout(const std::string& main_cf = "");

// A regular file with the content of `fd` from its current offset: `fd`
// itself when it is one, else (a pipe) a copy in an unlinked temporary file
// in $TMPDIR or /tmp, which the caller closes. Sets *copied accordingly.
absl::StatusOr<int> AsRegularFile(int fd, bool* copied);

}  // namespace mxd::client
