#include "delivery-svc/smtp/recipient_table.h"

#include <algorithm>

namespace mxd {

void RecipientTable::Decide(size_t i, RecipientOutcome o) {
  if (i < outcomes_.size() && !outcomes_[i]) outcomes_[i] = std::move(o);
}

void RecipientTable::DecideRemaining(const RecipientOutcome& o) {
  for (auto& slot : outcomes_) {
    if (!slot) slot = o;
  }
}

bool RecipientTable::all_decided() const {
  return std::all_of(outcomes_.begin(), outcomes_.end(), [](const auto& o) { return o.has_value(); });
}

bool RecipientTable::any_decided() const {
  return std::any_of(outcomes_.begin(), outcomes_.end(), [](const auto& o) { return o.has_value(); });
}

std::vector<RecipientOutcome> RecipientTable::Take(const RecipientOutcome& fallback) {
  std::vector<RecipientOutcome> out;
  out.reserve(outcomes_.size());
  for (auto& slot : outcomes_) out.push_back(slot ? std::move(*slot) : fallback);
  outcomes_.assign(outcomes_.size(), std::nullopt);
  return out;
}

}  // namespace mxd
