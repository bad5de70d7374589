// What each server's answers mean for the rest of a delivery (Postfix's
// smtp_trouble.c, as Postfix has done it since 2.3): a recipient that a
// server delivered or refused for good (5xx) is decided; one that met a
// temporary failure the server certainly did not accept the message through
// (4xx, 421, a timeout or lost connection before the end of the content went
// out) stays open for the next server; when no server is left, each open
// recipient is deferred with the last thing that happened to it.
#pragma once

#include <optional>
#include <vector>

#include "delivery-svc/delivery_outcome.h"

namespace mxd {

class DeliveryTrouble {
 public:
  explicit DeliveryTrouble(size_t recipients);

  // Recipients (indices into the message's) still to deliver, in order.
  const std::vector<size_t>& open() const { return open_; }
  bool done() const { return open_.empty(); }

  // The outcomes of one session that was given open(), in that order.
  void Absorb(std::vector<RecipientOutcome> outcomes);

  // A server could not be reached at all: that is now the latest news for
  // every open recipient (Postfix reports the last failure).
  void ServerFailed();

  // No server is left: every outcome in the message's order, an open
  // recipient with its last temporary failure or else `fallback` (why the
  // servers could not be reached).
  std::vector<RecipientOutcome> Finish(const RecipientOutcome& fallback);

 private:
  std::vector<std::optional<RecipientOutcome>> decided_;
  std::vector<std::optional<RecipientOutcome>> last_soft_;
  std::vector<size_t> open_;
};

}  // namespace mxd
