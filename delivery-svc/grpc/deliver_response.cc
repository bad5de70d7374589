#include "delivery-svc/grpc/deliver_response.h"

#include "absl/strings/ascii.h"
#include "common/text/printable.h"

namespace mxd {
namespace {

v1::Action ToProto(DeliveryAction a) {
  switch (a) {
    case DeliveryAction::kDelivered: return v1::ACTION_DELIVERED;
    case DeliveryAction::kDeferred: return v1::ACTION_DEFERRED;
    case DeliveryAction::kBounced: return v1::ACTION_BOUNCED;
  }
  return v1::ACTION_DEFERRED;
}

}  // namespace

void AppendOutcomes(const std::vector<std::string>& recipients, const std::vector<RecipientOutcome>& outcomes,
                    const std::vector<std::string>& transcript, v1::DeliverResponse* response) {
  for (size_t i = 0; i < outcomes.size(); ++i) {
    const RecipientOutcome& o = outcomes[i];
    v1::RecipientOutcome* p = response->add_outcomes();
    p->set_address(ValidUtf8(i < recipients.size() ? recipients[i] : ""));
    p->set_action(ToProto(o.action));
    p->set_smtp_code(static_cast<uint32_t>(o.smtp_code));
    p->set_enhanced_status(ValidUtf8(o.enhanced));
    p->set_reason(ValidUtf8(o.reason));
    p->set_host(ValidUtf8(o.host));
    p->set_ip(ValidUtf8(o.ip));
    p->set_dsn_passed(o.dsn_passed);
    if (o.tls.used) {
      v1::TlsInfo* t = p->mutable_tls();
      t->set_used(true);
      t->set_protocol(ValidUtf8(o.tls.protocol));
      t->set_cipher(ValidUtf8(o.tls.cipher));
      t->set_verification(absl::AsciiStrToLower(o.tls.Verification()));
      t->set_resumed(o.tls.resumed);
    }
  }
  for (const std::string& line : transcript) response->add_transcript(ValidUtf8(line));
}

}  // namespace mxd
