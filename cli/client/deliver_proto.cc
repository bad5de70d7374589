#include "cli/client/deliver_proto.h"

#include "absl/strings/str_cat.h"

namespace mxd::client {
namespace {

v1::DsnNotify NotifyValue(const std::string& s) {
  if (s == "NEVER") return v1::DSN_NOTIFY_NEVER;
  if (s == "SUCCESS") return v1::DSN_NOTIFY_SUCCESS;
  if (s == "FAILURE") return v1::DSN_NOTIFY_FAILURE;
  if (s == "DELAY") return v1::DSN_NOTIFY_DELAY;
  return v1::DSN_NOTIFY_UNSPECIFIED;  // refused by the service, naming it
}

}  // namespace

void FillEnvelope(const DeliverEnvelope& in, uint64_t size, v1::Envelope* out) {
  out->set_queue_id(in.queue_id);
  out->set_sender(in.sender);
  for (const DeliverRecipient& r : in.recipients) {
    v1::Recipient* p = out->add_recipients();
    p->set_address(r.address);
    p->set_orcpt(r.orcpt);
    for (const std::string& n : r.notify) p->add_notify(NotifyValue(n));
  }
  out->set_nexthop(in.nexthop);
  for (const ResolvedRoute& r : in.routes) {
    v1::Route* p = out->add_routes();
    p->set_host(r.host);
    p->set_preference(r.preference);
    p->set_port(r.port);
    p->set_fallback(r.fallback);
    for (const std::string& a : r.addresses) p->add_addresses(a);
  }
  if (!in.route_signature.empty() && !out->mutable_route_signature()->ParseFromString(in.route_signature)) {
    out->clear_route_signature();  // not resolver-svc's: delivery-svc says what is wrong
  }
  if (in.arrival_time != absl::InfinitePast()) {
    out->mutable_arrival_time()->set_seconds(absl::ToUnixSeconds(in.arrival_time));
  }
  out->set_body_type(in.body == DeliverEnvelope::Body::k7Bit         ? v1::BODY_TYPE_7BIT
                     : in.body == DeliverEnvelope::Body::k8BitMime   ? v1::BODY_TYPE_8BITMIME
                     : in.body == DeliverEnvelope::Body::kBinaryMime ? v1::BODY_TYPE_BINARYMIME
                                                                     : v1::BODY_TYPE_UNSPECIFIED);
  out->set_smtputf8(in.smtputf8);
  out->set_dsn_ret(in.dsn_ret == "FULL"   ? v1::DSN_RET_FULL
                   : in.dsn_ret == "HDRS" ? v1::DSN_RET_HDRS
                                          : v1::DSN_RET_UNSPECIFIED);
  out->set_dsn_envid(in.dsn_envid);
  out->set_message_size(size);
}

absl::StatusOr<DeliverResult> ResultFromResponse(const v1::DeliverResponse& response, size_t recipients) {
  DeliverResult r;
  for (const v1::RecipientOutcome& o : response.outcomes()) {
    DeliverOutcome d;
    d.address = o.address();
    d.action = o.action() == v1::ACTION_DELIVERED ? DeliverOutcome::Action::kDelivered
               : o.action() == v1::ACTION_BOUNCED ? DeliverOutcome::Action::kBounced
                                                  : DeliverOutcome::Action::kDeferred;
    d.smtp_code = o.smtp_code();
    d.enhanced_status = o.enhanced_status();
    d.reason = o.reason();
    d.host = o.host();
    d.ip = o.ip();
    d.dsn_passed = o.dsn_passed();
    r.outcomes.push_back(std::move(d));
  }
  r.transcript.assign(response.transcript().begin(), response.transcript().end());
  if (r.outcomes.size() != recipients) {
    return absl::InternalError(absl::StrCat("delivery-svc returned ", r.outcomes.size(), " outcomes for ",
                                            recipients, " recipients"));
  }
  return r;
}

}  // namespace mxd::client
