// Arbitrary server byte streams (8-bit junk, Latin-1, ill-formed UTF-8,
// control characters) through an SMTP session and on into what the caller
// and the log get: the DeliverResponse and the per-recipient log lines.
// Invariants: the response serialises and parses back (proto3 strings must
// be UTF-8, or a client's parser fails), every string in it and every log
// line is valid UTF-8, and every log line is one JSON object.
//
// Built twice: as a libFuzzer target (build-fuzz), and as a replay program
// in the normal build that writes each input's response and log lines to
// MXD_FUZZ_DUMP_DIR, so that Python's protobuf and json read them too
// (tests/integration/test_server_text.py).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cstdlib>
#include <fstream>

#include "common/log/json_log.h"
#include "common/text/printable.h"
#include "delivery-svc/engine/delivery_log.h"
#include "delivery-svc/grpc/deliver_response.h"
#include "delivery-svc/smtp/smtp_session.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/memory_content.h"

namespace {

void CheckStrings(const mxd::v1::DeliverResponse& r) {
  for (const mxd::v1::RecipientOutcome& o : r.outcomes()) {
    for (const std::string* s : {&o.address(), &o.enhanced_status(), &o.reason(), &o.host(), &o.ip(),
                                 &o.tls().protocol(), &o.tls().cipher(), &o.tls().verification()}) {
      if (!mxd::IsValidUtf8(*s)) mxd::fuzz::Fail("a response string is not UTF-8");
    }
  }
  for (const std::string& line : r.transcript()) {
    if (!mxd::IsValidUtf8(line)) mxd::fuzz::Fail("a transcript line is not UTF-8");
  }
}

void CheckLogLine(absl::string_view line) {
  if (!mxd::IsValidUtf8(line)) mxd::fuzz::Fail("a log line is not UTF-8");
  if (line.empty() || line.back() != '\n' || line.find('\n') != line.size() - 1) {
    mxd::fuzz::Fail("a log line is not one line");
  }
  google::protobuf::Struct parsed;
  if (!google::protobuf::util::JsonStringToMessage(std::string(line), &parsed).ok()) {
    mxd::fuzz::Fail("a log line is not a JSON object");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mxd::fuzz::Input in(data, size);
  mxd::testing_support::MemoryContent content("Subject: x\r\n\r\nbody\r\n");
  mxd::MessageEnvelope env;
  env.sender = "a@example.org";
  env.recipients = {"b@example.com", "c@example.com"};
  env.content = &content;
  mxd::SessionSettings settings;
  mxd::SessionSecurity sec;
  sec.tls_level = (in.Byte() & 1) ? mxd::TlsLevel::kMay : mxd::TlsLevel::kNone;
  absl::Time now = absl::FromUnixSeconds(1700000000);
  mxd::SmtpSession s(settings, {"mx.example", "192.0.2.1", 25}, now, sec);
  s.StartMessage(&env, now);
  while (!in.empty() && !s.message_finished() && s.status() != mxd::SmtpSession::Status::kClosed) {
    s.output().clear();
    s.OnOutputDrained(now);
    const uint8_t op = in.Byte();
    if (op < 8) {
      now += absl::Seconds(op * 100);
      s.OnTimer(now);
    } else if (op < 12 && s.tls_wanted()) {
      // TLS details as a library might report them: any octets.
      mxd::TlsSessionInfo i;
      i.used = true;
      i.protocol = std::string(in.Take(in.Byte() % 16));
      i.cipher = std::string(in.Take(in.Byte() % 32));
      s.OnTlsEstablished(i, now);
    } else {
      s.OnReceived(in.Take(op), now);
    }
  }
  if (!s.message_finished()) s.OnConnectionLost("Connection reset by peer", now);
  std::vector<mxd::RecipientOutcome> outcomes;
  if (s.message_finished()) {
    outcomes = s.TakeOutcomes();
  } else {
    // The session left the message for the next address; when there is
    // none, the attempt defers everyone with the session's reason.
    mxd::RecipientOutcome o;
    o.reason = s.ending().failure.reason;
    o.enhanced = s.ending().failure.enhanced;
    outcomes.assign(env.recipients.size(), o);
  }

  std::string log;
  mxd::LogSink sink = [&log](absl::string_view line) {
    CheckLogLine(line);
    log.append(line.data(), line.size());
  };
  mxd::SetLogSinkForTesting(&sink);
  mxd::LogOutcomes({"QID", "example.com", absl::Milliseconds(5)}, env.recipients, outcomes);
  mxd::SetLogSinkForTesting(nullptr);

  mxd::v1::DeliverResponse response;
  mxd::AppendOutcomes(env.recipients, outcomes, s.transcript(), &response);
  if (response.outcomes_size() != 2) mxd::fuzz::Fail("outcome count");
  CheckStrings(response);
  std::string wire;
  if (!response.SerializeToString(&wire)) mxd::fuzz::Fail("the response does not serialise");
  mxd::v1::DeliverResponse back;
  if (!back.ParseFromString(wire)) mxd::fuzz::Fail("the response does not parse back");

  if (const char* dir = std::getenv("MXD_FUZZ_DUMP_DIR")) {
    static int n = 0;
    ++n;
    std::ofstream(std::string(dir) + "/" + std::to_string(n) + ".pb", std::ios::binary) << wire;
    std::ofstream(std::string(dir) + "/" + std::to_string(n) + ".log", std::ios::binary) << log;
  }
  return 0;
}
