#include "delivery-svc/engine/delivery_job.h"

#include "absl/strings/str_cat.h"
#include "delivery-svc/engine/delivery_log.h"
#include "delivery-svc/smtp/body_transfer.h"

namespace mxd {

std::string DeliveryJob::Destination() const {
  if (!nexthop.empty() || routes.empty()) return nexthop;
  return routes.front().host;
}

void PlanJob(const DeliverySettings& settings, absl::Time now, DeliveryJob* job) {
  if (job->arrival) job->msg.pix_workaround = now - *job->arrival >= settings.pix_threshold;
  // No transaction after the first may begin that could outlast the
  // caller's deadline.
  if (job->deadline != absl::InfiniteFuture())
    job->msg.start_by = job->deadline - settings.time_budget.transaction;
}

void ScanForConversion(const SessionSettings& settings, DeliveryJob* job) {
  MessageEnvelope& msg = job->msg;
  if (msg.conversion || !msg.eight_bit || !settings.mime_output_conversion || msg.content == nullptr) return;
  msg.conversion = BodyTransfer::PlanConversion(*msg.content, settings.mime_limits);  // null: read error
}

std::vector<RecipientOutcome> FinishJob(const DeliveryJob& job, absl::string_view destination,
                                        absl::Duration elapsed, std::vector<RecipientOutcome> delivered) {
  std::vector<RecipientOutcome> outcomes;
  size_t next = 0;
  for (const std::string& why : job.bad_recipients) {
    if (why.empty()) {
      outcomes.push_back(next < delivered.size() ? std::move(delivered[next]) : RecipientOutcome{});
      ++next;
      continue;
    }
    RecipientOutcome o;
    o.action = DeliveryAction::kBounced;
    o.enhanced = "5.1.3";
    o.reason = absl::StrCat("bad address syntax: ", why);
    outcomes.push_back(std::move(o));
  }
  LogOutcomes({job.queue_id, std::string(destination), elapsed}, job.recipients, outcomes);
  return outcomes;
}

}  // namespace mxd
