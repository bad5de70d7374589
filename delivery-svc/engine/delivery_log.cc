#include "delivery-svc/engine/delivery_log.h"

#include "absl/strings/str_cat.h"
#include "common/log/json_log.h"

namespace mxd {
namespace {

absl::string_view StatusWord(DeliveryAction a) {
  switch (a) {
    case DeliveryAction::kDelivered: return "sent";
    case DeliveryAction::kDeferred: return "deferred";
    case DeliveryAction::kBounced: return "bounced";
  }
  return "deferred";
}

}  // namespace

void LogOutcomes(const OutcomeLogContext& context, const std::vector<std::string>& recipients,
                 const std::vector<RecipientOutcome>& outcomes) {
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const RecipientOutcome& o = outcomes[i];
    const std::string relay = o.ip.empty() ? "none" : absl::StrCat(o.host, "[", o.ip, "]");
    Log(o.action == DeliveryAction::kDelivered ? LogLevel::kInfo : LogLevel::kWarning, "delivery",
        {{"queue_id", context.queue_id},
         {"nexthop", context.nexthop},
         {"to", i < recipients.size() ? recipients[i] : ""},
         {"relay", relay},
         {"dsn", o.enhanced},
         {"status", StatusWord(o.action)},
         {"tls",
          o.tls.used ? absl::StrCat(o.tls.Verification(), " ", o.tls.protocol, " ", o.tls.cipher) : "none"},
         {"reason", o.reason}},
        {{"duration_ms", absl::ToDoubleMilliseconds(context.elapsed)}});
  }
}

}  // namespace mxd
