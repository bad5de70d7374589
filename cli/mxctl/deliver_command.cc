// mxctl deliver --from SENDER --to RCPT [--to RCPT ...] [--nexthop NEXTHOP]
//               [--resolver TARGET] [--delivery TARGET] [--json]
//               [--timeout TIME] [--queue-id ID] [DSN and SMTPUTF8 options] [FILE|-]
//
// Resolves the next hop, delivers the message and prints one line per
// recipient. Exit codes make it a Postfix pipe(8) transport, which applies
// one code to every recipient of the request: 0 all delivered, 75 any
// deferred (a deferred recipient must never be bounced), 69 some bounced and
// none deferred, 64 usage, 65 malformed input, 66 message file missing or
// unreadable.
#include <fcntl.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/client/deliver_client.h"
#include "cli/client/delivery_router.h"
#include "cli/client/resolve_client.h"
#include "cli/mxctl/commands.h"
#include "common/cli/arguments.h"
#include "common/cli/default_endpoints.h"
#include "common/config/time_value.h"
#include "common/log/json_log.h"

namespace mxd::mxctl {
namespace {

using client::DeliverOutcome;

constexpr char kUsage[] =
    "usage: mxctl deliver --from SENDER --to RCPT [--to RCPT ...] [--nexthop NEXTHOP]\n"
    "                     [--resolver TARGET] [--delivery TARGET] [--json]\n"
    "                     [--timeout TIME | --config MAIN.CF]\n"
    "                     [--queue-id ID] [--smtputf8] [--notify NEVER|SUCCESS,FAILURE,DELAY]\n"
    "                     [--orcpt TYPE;ADDRESS ...] [--ret FULL|HDRS] [--envid ID] [--arrival-time "
    "SECONDS]\n"
    "                     [--tls-ca FILE --tls-cert FILE --tls-key FILE [--delivery-server-name NAME]]\n"
    "                     [FILE|-]";

std::string ToJson(const client::DeliverResult& r) {
  std::string j = "{\"recipients\":[";
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    const DeliverOutcome& o = r.outcomes[i];
    if (i) j += ",";
    j += "{\"address\":";
    AppendJsonString(&j, o.address);
    j += ",\"action\":";
    AppendJsonString(&j, client::ActionName(o.action));
    absl::StrAppend(&j, ",\"code\":", o.smtp_code, ",\"enhanced_status\":");
    AppendJsonString(&j, o.enhanced_status);
    j += ",\"reason\":";
    AppendJsonString(&j, o.reason);
    j += ",\"host\":";
    AppendJsonString(&j, o.host);
    j += ",\"ip\":";
    AppendJsonString(&j, o.ip);
    j += "}";
  }
  j += "]";
  if (!r.transcript.empty()) {
    j += ",\"transcript\":[";
    for (size_t i = 0; i < r.transcript.size(); ++i) {
      if (i) j += ",";
      AppendJsonString(&j, r.transcript[i]);
    }
    j += "]";
  }
  return j + "}";
}

// Every recipient gets the same outcome (resolver failures).
client::DeliverResult Uniform(const std::vector<std::string>& rcpts, DeliverOutcome::Action action,
                              const std::string& enhanced, const std::string& reason) {
  client::DeliverResult r;
  for (const std::string& a : rcpts) {
    DeliverOutcome o;
    o.address = a;
    o.action = action;
    o.enhanced_status = enhanced;
    o.reason = reason;
    r.outcomes.push_back(std::move(o));
  }
  return r;
}

// "to=<a@example.com>, relay=mx.example.com[192.0.2.1], dsn=5.1.1,
// status=bounced (reason)": one recipient as Postfix's log records it.
std::string PostfixRecord(const DeliverOutcome& o) {
  const char* status = o.action == DeliverOutcome::Action::kDelivered ? "sent"
                       : o.action == DeliverOutcome::Action::kBounced ? "bounced"
                                                                      : "deferred";
  const std::string relay = o.ip.empty() ? "none" : absl::StrCat(o.host, "[", o.ip, "]");
  return absl::StrCat("to=<", o.address, ">, relay=", relay, ", dsn=", o.enhanced_status, ", status=", status,
                      " (", o.reason, ")");
}

int Report(const client::DeliverResult& r, bool json) {
  size_t delivered = 0, deferred = 0, bounced = 0;
  for (const DeliverOutcome& o : r.outcomes) {
    delivered += o.action == DeliverOutcome::Action::kDelivered;
    deferred += o.action == DeliverOutcome::Action::kDeferred;
    bounced += o.action == DeliverOutcome::Action::kBounced;
  }
  if (json) {
    std::cout << ToJson(r) << "\n";
  } else {
    for (const DeliverOutcome& o : r.outcomes) {
      std::cout << o.address << ": " << client::ActionName(o.action) << " (" << o.enhanced_status << ") "
                << o.reason;
      if (!o.ip.empty()) std::cout << " [via " << o.host << "[" << o.ip << "]]";
      std::cout << "\n";
    }
    for (const std::string& line : r.transcript) std::cout << "  " << line << "\n";
  }
  // pipe(8) applies one exit code to every recipient of the request: a
  // deferred recipient must never be bounced, so any deferral makes it 75.
  const DeliverOutcome::Action deciding = deferred  ? DeliverOutcome::Action::kDeferred
                                          : bounced ? DeliverOutcome::Action::kBounced
                                                    : DeliverOutcome::Action::kDelivered;
  if (deciding != DeliverOutcome::Action::kDelivered) {
    // For pipe(8): output that starts with an enhanced status code gives
    // Postfix the DSN status, and the text becomes the reason it records.
    for (const DeliverOutcome& o : r.outcomes) {
      if (o.action == deciding) {
        std::fprintf(stderr, "%s %s\n", o.enhanced_status.c_str(), o.reason.c_str());
        break;
      }
    }
    // Mixed outcomes: Postfix will record the one status above for all of
    // them, so the truth about each goes into the same text, in the form of
    // Postfix's own log records (mxd_destination_recipient_limit = 1 avoids
    // mixing altogether).
    if (delivered + deferred + bounced > 1 && (delivered || (deferred && bounced))) {
      std::fprintf(stderr, "mixed outcomes in one request (%zu sent, %zu deferred, %zu bounced):\n",
                   delivered, deferred, bounced);
      for (const DeliverOutcome& o : r.outcomes) std::fprintf(stderr, "%s\n", PostfixRecord(o).c_str());
    }
  }
  return deferred ? EX_TEMPFAIL : bounced ? EX_UNAVAILABLE : EX_OK;
}

// True when an address needs SMTPUTF8 (RFC 6531): any octet above 0x7F.
bool NeedsSmtpUtf8(const std::string& address) {
  for (char c : address) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  }
  return false;
}

}  // namespace

int RunDeliver(const std::vector<std::string>& args) {
  if (WantsHelp(args, kUsage)) return EX_OK;
  auto parsed = ParseArgs(args, {{"from"},
                                 {"to", true, true},
                                 {"nexthop"},
                                 {"resolver"},
                                 {"delivery"},
                                 {"timeout"},
                                 {"config"},
                                 {"queue-id"},
                                 {"json", false},
                                 {"smtputf8", false},
                                 {"notify"},
                                 {"orcpt", true, true},
                                 {"ret"},
                                 {"envid"},
                                 {"arrival-time"},
                                 {"tls-ca"},
                                 {"tls-cert"},
                                 {"tls-key"},
                                 {"delivery-server-name"}});
  if (!parsed.ok()) return UsageError(std::string(parsed.status().message()), kUsage);
  if (!parsed->Get("from")) return UsageError("missing --from (use --from '' for the null sender)", kUsage);
  auto to = parsed->values.find("to");
  if (to == parsed->values.end() || to->second.empty()) return UsageError("missing --to", kUsage);
  if (parsed->positional.size() > 1) return UsageError("more than one message file", kUsage);
  // The default deadline outlasts the worst case of one server with the
  // smtp_*_timeout values of delivery-svc's main.cf (--config; Postfix's
  // defaults without it), so mxctl never gives up on a delivery the service
  // may still complete.
  absl::StatusOr<absl::Duration> timeout = client::DefaultDeliverTimeout(parsed->GetOr("config", ""));
  if (!timeout.ok()) return UsageError(absl::StrCat("--config: ", timeout.status().message()), kUsage);
  if (auto t = parsed->Get("timeout")) timeout = ParseTimeValue(*t);
  if (!timeout.ok()) return UsageError(absl::StrCat("--timeout: ", timeout.status().message()), kUsage);
  // When the message entered the queue (Unix seconds): the PIX
  // delay_dotcrlf workaround is for messages older than
  // smtp_pix_workaround_threshold_time. Default: now.
  absl::Time arrival = absl::Now();
  if (auto t = parsed->Get("arrival-time")) {
    int64_t seconds = 0;
    if (!absl::SimpleAtoi(*t, &seconds) || seconds < 0) {
      return UsageError(absl::StrCat("--arrival-time: expected Unix seconds, not '", *t, "'"), kUsage);
    }
    arrival = absl::FromUnixSeconds(seconds);
  }
  const bool json = parsed->Has("json");
  const std::vector<std::string>& rcpts = to->second;

  std::string nexthop = parsed->GetOr("nexthop", "");
  if (nexthop.empty()) {
    const size_t at = rcpts[0].rfind('@');
    if (at == std::string::npos || at + 1 == rcpts[0].size()) {
      return Failed(json, "",
                    absl::InvalidArgumentError(
                        absl::StrCat("recipient '", rcpts[0], "' has no domain; give --nexthop")),
                    EX_DATAERR);
    }
    nexthop = rcpts[0].substr(at + 1);
  }

  // The message: a file, or standard input.
  const std::string file = parsed->positional.empty() ? "-" : parsed->positional[0];
  int fd = STDIN_FILENO;
  if (file != "-") {
    fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      return Failed(json, "",
                    absl::NotFoundError(absl::StrCat("cannot open ", file, ": ", std::strerror(errno))),
                    EX_NOINPUT);
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
      const std::string why = S_ISDIR(st.st_mode) ? "is a directory" : std::strerror(errno);
      close(fd);
      return Failed(json, "", absl::NotFoundError(absl::StrCat("cannot read ", file, ": ", why)), EX_NOINPUT);
    }
  }

  // The envelope, checked before anything is looked up or sent.
  client::DeliverEnvelope env;
  env.queue_id = parsed->GetOr("queue-id", "");
  env.sender = *parsed->Get("from");
  // DSN (RFC 3461): --notify for every recipient, --orcpt once per --to (or
  // once for a single recipient), --ret and --envid for the message.
  std::vector<std::string> notify;
  if (auto n = parsed->Get("notify"))
    notify = absl::StrSplit(absl::AsciiStrToUpper(*n), ',', absl::SkipEmpty());
  for (const std::string& n : notify) {
    if (n != "NEVER" && n != "SUCCESS" && n != "FAILURE" && n != "DELAY") {
      return UsageError(absl::StrCat("--notify: unknown value ", n), kUsage);
    }
  }
  std::vector<std::string> orcpts;
  if (auto o = parsed->values.find("orcpt"); o != parsed->values.end()) orcpts = o->second;
  if (!orcpts.empty() && orcpts.size() != rcpts.size()) {
    return UsageError(
        absl::StrCat("--orcpt given ", orcpts.size(), " times for ", rcpts.size(), " recipients"), kUsage);
  }
  for (size_t i = 0; i < rcpts.size(); ++i) {
    // pipe(8)'s "rfc822;${original_recipient}" is "rfc822;" when Postfix
    // knows no original recipient: no ORCPT then.
    std::string orcpt = orcpts.empty() ? "" : orcpts[i];
    if (!orcpt.empty() && orcpt.back() == ';') orcpt.clear();
    env.recipients.push_back({rcpts[i], notify, orcpt});
  }
  env.dsn_ret = absl::AsciiStrToUpper(parsed->GetOr("ret", ""));
  if (!env.dsn_ret.empty() && env.dsn_ret != "FULL" && env.dsn_ret != "HDRS") {
    return UsageError("--ret takes FULL or HDRS", kUsage);
  }
  env.dsn_envid = parsed->GetOr("envid", "");
  // SMTPUTF8 when asked for, or when an envelope address needs it.
  env.smtputf8 = parsed->Has("smtputf8") || NeedsSmtpUtf8(env.sender);
  for (const std::string& r : rcpts) env.smtputf8 |= NeedsSmtpUtf8(r);
  const client::ChannelSecurity security = Security(*parsed);
  client::ResolveClient resolver(parsed->GetOr("resolver", kDefaultResolverEndpoint), security);
  auto resolved = resolver.Resolve(nexthop, std::min(*timeout, absl::Minutes(1)));
  if (!resolved.ok()) {
    const bool bad = resolved.status().code() == absl::StatusCode::kInvalidArgument;  // a malformed next hop
    return Failed(json, "resolver-svc", resolved.status(), bad ? EX_DATAERR : EX_TEMPFAIL);
  }
  if (resolved->status != client::ResolveResult::Status::kOk) {
    const bool perm = resolved->status == client::ResolveResult::Status::kPermFail;
    return Report(Uniform(rcpts, perm ? DeliverOutcome::Action::kBounced : DeliverOutcome::Action::kDeferred,
                          resolved->enhanced_status, resolved->reason),
                  json);
  }

  env.nexthop = resolved->effective_nexthop.empty() ? nexthop : resolved->effective_nexthop;
  env.routes = resolved->routes;
  env.route_signature = resolved->route_signature;
  env.arrival_time = arrival;
  // Several --delivery endpoints ("a:1,b:2" or "dns:NAME:PORT"): the next
  // hop picks the replica, the others take over when it is unavailable.
  // The name delivery-svc's certificate carries when --delivery gives
  // addresses (Kubernetes pods); dns:NAME:PORT implies NAME.
  client::ChannelSecurity delivery_security = security;
  delivery_security.server_name = parsed->GetOr("delivery-server-name", "");
  auto router =
      client::DeliveryRouter::Create(parsed->GetOr("delivery", kDefaultDeliveryEndpoint), delivery_security);
  if (!router.ok()) {
    return Failed(json, "--delivery", router.status(),
                  router.status().code() == absl::StatusCode::kInvalidArgument ? EX_USAGE : EX_TEMPFAIL);
  }
  bool copied = false;
  auto regular = client::AsRegularFile(fd, &copied);
  if (!regular.ok()) return Failed(json, "", regular.status(), EX_TEMPFAIL);
  auto result = (*router)->DeliverFile(env, *regular, *timeout);
  if (copied) close(*regular);
  if (fd != STDIN_FILENO) close(fd);
  if (!result.ok()) {
    if (result.status().code() == absl::StatusCode::kInvalidArgument) {
      return Failed(json, "delivery-svc", result.status(), EX_DATAERR);
    }
    // Deferred either way; say when the server may have the message already.
    absl::Status failed = result.status();
    if (!client::NothingWasSent(failed)) {
      failed = absl::Status(failed.code(), absl::StrCat(failed.message(),
                                                        "; the outcome is unknown: the message may have been "
                                                        "delivered"));
    }
    return Failed(json, "delivery-svc", failed, EX_TEMPFAIL);
  }
  return Report(*result, json);
}

}  // namespace mxd::mxctl
