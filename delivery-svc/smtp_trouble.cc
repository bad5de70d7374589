#include "delivery-svc/smtp_trouble.h"

namespace mxd {

DeliveryTrouble::DeliveryTrouble(size_t recipients) : decided_(recipients), last_soft_(recipients) {
  for (size_t i = 0; i < recipients; ++i) open_.push_back(i);
}

void DeliveryTrouble::Absorb(std::vector<RecipientOutcome> outcomes) {
  std::vector<size_t> still_open;
  for (size_t k = 0; k < open_.size(); ++k) {
    const size_t i = open_[k];
    if (k >= outcomes.size()) {  // not reported: stays open as it was
      still_open.push_back(i);
      continue;
    }
    RecipientOutcome& o = outcomes[k];
    if (o.action == DeliveryAction::kDeferred && o.may_try_elsewhere) {
      last_soft_[i] = std::move(o);
      still_open.push_back(i);
    } else {
      decided_[i] = std::move(o);
    }
  }
  open_ = std::move(still_open);
}

void DeliveryTrouble::ServerFailed() {
  for (size_t i : open_) last_soft_[i].reset();
}

std::vector<RecipientOutcome> DeliveryTrouble::Finish(const RecipientOutcome& fallback) {
  std::vector<RecipientOutcome> out;
  out.reserve(decided_.size());
  for (size_t i = 0; i < decided_.size(); ++i) {
    if (decided_[i]) {
      out.push_back(std::move(*decided_[i]));
    } else if (last_soft_[i]) {
      out.push_back(std::move(*last_soft_[i]));
    } else {
      out.push_back(fallback);
    }
  }
  open_.clear();
  return out;
}

}  // namespace mxd
