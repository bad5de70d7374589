#include "delivery-svc/grpc/deliver_request.h"

#include "absl/strings/str_cat.h"
#include "common/nexthop/domain_name.h"
#include "common/nexthop/ip_literal.h"
#include "common/text/printable.h"
#include "delivery-svc/smtp/envelope_check.h"

namespace mxd {
absl::Status CheckEnvelope(const v1::Envelope& e, uint64_t message_size_limit,
                           std::vector<std::string>* bad_recipients) {
  bad_recipients->assign(static_cast<size_t>(e.recipients_size()), "");
  auto bad = [](absl::string_view why) { return absl::InvalidArgumentError(std::string(why)); };
  if (message_size_limit != 0 && e.message_size() > message_size_limit) {
    return bad(absl::StrCat("message_size ", e.message_size(),
                            " exceeds message_size_limit = ", message_size_limit));
  }
  if (absl::Status s = CheckAddress(e.sender(), true, e.smtputf8()); !s.ok()) {
    return bad(absl::StrCat("sender: ", s.message()));
  }
  if (e.recipients().empty()) return bad("no recipients");
  if (static_cast<size_t>(e.recipients_size()) > kMaxRecipientsPerRequest) {
    return bad(absl::StrCat("more than ", kMaxRecipientsPerRequest, " recipients"));
  }
  for (int i = 0; i < e.recipients_size(); ++i) {
    const v1::Recipient& r = e.recipients(i);
    if (absl::Status s = CheckAddressOctets(r.address(), e.smtputf8()); !s.ok()) {
      return bad(absl::StrCat("recipient ", i + 1, ": ", s.message()));
    }
    // A malformed address is that recipient's own bounce, as a mistyped
    // address is in Postfix, not a refusal of everyone else's mail.
    if (absl::Status s = CheckAddress(r.address(), false, e.smtputf8()); !s.ok()) {
      (*bad_recipients)[static_cast<size_t>(i)] = std::string(s.message());
    }
    if (absl::Status s = CheckOrcpt(r.orcpt()); !s.ok()) {
      return bad(absl::StrCat("recipient ", i + 1, ": ", s.message()));
    }
    bool never = false, other = false;
    for (int n : r.notify()) {
      if (!v1::DsnNotify_IsValid(n) || n == v1::DSN_NOTIFY_UNSPECIFIED) {
        return bad(absl::StrCat("recipient ", i + 1, ": unknown DSN NOTIFY value ", n));
      }
      (n == v1::DSN_NOTIFY_NEVER ? never : other) = true;
    }
    if (never && other) return bad(absl::StrCat("recipient ", i + 1, ": NOTIFY=NEVER cannot be combined"));
  }
  if (!v1::BodyType_IsValid(e.body_type())) return bad(absl::StrCat("unknown body type ", e.body_type()));
  if (!v1::DsnRet_IsValid(e.dsn_ret())) return bad(absl::StrCat("unknown DSN RET value ", e.dsn_ret()));
  if (!FirstControlCharacter(e.dsn_envid()).empty()) return bad("ENVID contains a control character");
  if (!FirstControlCharacter(e.nexthop()).empty() || e.nexthop().size() > 300) return bad("bad nexthop");
  if (!FirstControlCharacter(e.queue_id()).empty() || e.queue_id().size() > 100) return bad("bad queue_id");
  if (e.routes().empty()) return bad("no routes (call Resolve first and pass its routes)");
  for (int i = 0; i < e.routes_size(); ++i) {
    const v1::Route& r = e.routes(i);
    const std::string where = absl::StrCat("route ", i + 1, ": ");
    if (!IsIpAddress(r.host())) {
      if (absl::Status s = ValidateDomainName(r.host()); !s.ok())
        return bad(where + std::string(s.message()));
    }
    if (r.port() < 1 || r.port() > 65535) return bad(absl::StrCat(where, "port ", r.port(), " out of range"));
    if (r.addresses().empty()) return bad(where + "no addresses");
    for (const std::string& a : r.addresses()) {
      if (!IsIpAddress(a)) return bad(absl::StrCat(where, "'", a.substr(0, 60), "' is not an IP address"));
    }
  }
  return absl::OkStatus();
}

DeliveryJob JobFromEnvelope(const v1::Envelope& e, std::vector<std::string> bad_recipients, bool saw_8bit,
                            absl::Time deadline) {
  DeliveryJob job;
  job.queue_id = e.queue_id();
  job.nexthop = e.nexthop();
  job.bad_recipients = std::move(bad_recipients);
  job.deadline = deadline;
  MessageEnvelope& msg = job.msg;
  msg.sender = e.sender();
  for (int i = 0; i < e.recipients_size(); ++i) {
    const v1::Recipient& r = e.recipients(i);
    job.recipients.push_back(r.address());
    if (!job.bad_recipients[static_cast<size_t>(i)].empty()) continue;
    msg.recipients.push_back(r.address());
    RecipientDsn dsn;
    for (int n : r.notify()) {
      if (!dsn.notify.empty()) dsn.notify += ",";
      dsn.notify += n == v1::DSN_NOTIFY_NEVER     ? "NEVER"
                    : n == v1::DSN_NOTIFY_SUCCESS ? "SUCCESS"
                    : n == v1::DSN_NOTIFY_FAILURE ? "FAILURE"
                                                  : "DELAY";
    }
    dsn.orcpt = r.orcpt();
    msg.dsn.push_back(std::move(dsn));
  }
  msg.dsn_ret = e.dsn_ret() == v1::DSN_RET_FULL ? "FULL" : e.dsn_ret() == v1::DSN_RET_HDRS ? "HDRS" : "";
  msg.dsn_envid = e.dsn_envid();
  msg.smtputf8 = e.smtputf8();
  msg.binary = e.body_type() == v1::BODY_TYPE_BINARYMIME;
  msg.eight_bit = msg.binary || e.body_type() == v1::BODY_TYPE_8BITMIME || saw_8bit;
  if (e.has_arrival_time()) job.arrival = absl::FromUnixSeconds(e.arrival_time().seconds());
  for (const v1::Route& r : e.routes()) {
    RouteTarget t;
    t.host = r.host();
    t.port = static_cast<uint16_t>(r.port());
    t.addresses.assign(r.addresses().begin(), r.addresses().end());
    t.fallback = r.fallback();
    job.routes.push_back(std::move(t));
  }
  return job;
}

}  // namespace mxd
