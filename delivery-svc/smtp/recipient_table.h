// Recipient bookkeeping (Postfix's smtp_rcpt.c): each recipient of a message
// gets exactly one outcome, the first one recorded; whatever is still open
// when the delivery ends gets the final reason.
#pragma once

#include <optional>
#include <vector>

#include "delivery-svc/smtp/delivery_outcome.h"

namespace mxd {

class RecipientTable {
 public:
  explicit RecipientTable(size_t count = 0) : outcomes_(count) {}

  // Records `o` for recipient `i` unless it already has an outcome.
  void Decide(size_t i, RecipientOutcome o);
  // Records `o` for every recipient still open.
  void DecideRemaining(const RecipientOutcome& o);

  bool decided(size_t i) const { return outcomes_[i].has_value(); }
  bool all_decided() const;
  size_t size() const { return outcomes_.size(); }
  bool any_decided() const;
  // Every outcome; recipients still open are deferred with `fallback`.
  std::vector<RecipientOutcome> Take(const RecipientOutcome& fallback);

 private:
  std::vector<std::optional<RecipientOutcome>> outcomes_;
};

}  // namespace mxd
