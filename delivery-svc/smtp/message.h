// A message as a session delivers it: the envelope (sender, recipients and
// their DSN requests, what the content needs from the server) and random
// access to the content, wherever it is kept.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "delivery-svc/mime/mime_converter.h"

namespace mxd {

// Random access to the message content (a spool file or memory).
class MessageContent {
 public:
  virtual ~MessageContent() = default;
  virtual uint64_t size() const = 0;
  // Up to `max` octets at `offset` (empty at the end) in *out: a view of
  // the content itself when it is in memory (no copy), else of *buffer,
  // which the read fills. Valid until the next read into the same buffer.
  // False on I/O error.
  virtual bool Read(uint64_t offset, size_t max, std::string* buffer, absl::string_view* out) const = 0;
};

// RFC 3461 parameters of one recipient, passed on when the server offers DSN.
struct RecipientDsn {
  std::string notify;  // "NEVER" or e.g. "SUCCESS,FAILURE"; "" for none
  std::string orcpt;   // "rfc822;user@example.com"; "" for none
};

// The 8BITMIME-to-7BIT converter's first pass over the content: the plan
// the conversion follows, or why the content cannot be converted.
struct ConversionScan {
  MimePlan plan;
  std::optional<MimeError> error;
};

struct MessageEnvelope {
  std::string sender;  // without brackets; "" is the null sender
  std::vector<std::string> recipients;
  std::vector<RecipientDsn> dsn;  // empty, or one per recipient
  std::string dsn_ret;            // "FULL", "HDRS" or ""
  std::string dsn_envid;          // "" for none
  bool smtputf8 = false;          // the envelope or headers need SMTPUTF8 (RFC 6531)
  bool eight_bit = false;         // BODY=8BITMIME when the server offers it
  bool binary = false;            // BODY=BINARYMIME with BDAT when offered, else converted
  // Old enough (smtp_pix_workaround_threshold_time) for the delay_dotcrlf
  // workaround: the final "." alone after pix_delay, on a PIX server only.
  bool pix_workaround = false;
  // A transaction after the message's first (recipient_limit splits it) is
  // not begun later than this: the caller's deadline less the worst case of
  // one transaction. Its recipients are deferred instead (4.4.7).
  absl::Time start_by = absl::InfiniteFuture();
  const MessageContent* content = nullptr;
  // The first pass, when it was run where the message was spooled (off the
  // event loop); null: the session runs it if a server needs conversion.
  std::shared_ptr<const ConversionScan> conversion;
};

}  // namespace mxd
