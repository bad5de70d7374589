// The SMTP session state machine fed an arbitrary server: reply bytes in
// random splits, timer expiries, lost connections, drained output, TLS
// handshake results and AUTH, with a two-recipient message. Invariants:
// a finished message has exactly one outcome per recipient, and nothing is
// "delivered" unless a 2xx reply came after the end of the content.
#include <memory>

#include "delivery-svc/smtp/smtp_session.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/support/memory_content.h"

namespace {

const mxd::SaslClient* Sasl() {
  static std::unique_ptr<mxd::SaslClient> c = std::move(*mxd::SaslClient::Create());
  return c.get();
}

// How often the session dropped input it must not act on (its transcript
// says so each time).
size_t Discards(const mxd::SmtpSession& s) {
  size_t n = 0;
  for (const std::string& line : s.transcript()) n += line.rfind("(discarded", 0) == 0;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mxd::fuzz::Input in(data, size);
  mxd::testing_support::MemoryContent content(
      "Subject: x\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xe9t\xe9\r\n.\r\nend\r\n");
  mxd::MessageEnvelope env;
  env.sender = "a@example.org";
  env.recipients = {"b@example.com", "c@example.com"};
  env.content = &content;
  const uint8_t mode = in.Byte();
  env.eight_bit = mode & 1;
  env.pix_workaround = mode & 2;
  mxd::SessionSettings settings;
  settings.recipient_limit = (mode & 4) ? 1 : 50;
  settings.chunking = mode & 8;
  mxd::SessionSecurity sec;
  sec.tls_level = static_cast<mxd::TlsLevel>((mode >> 4) % 5);
  if (mode & 0x80) {
    sec.sasl = Sasl();
    sec.credentials = {"user", "password"};
  }
  absl::Time now = absl::FromUnixSeconds(1700000000);
  mxd::SmtpSession s(settings, {"mx.example", "192.0.2.1", 25}, now, sec);
  s.StartMessage(&env, now);
  bool content_ended = false;  // the final "." or BDAT LAST went out
  bool positive_after_end = false;
  auto shadow = std::make_unique<mxd::ReplyParser>();  // reads the server's bytes as the session does
  while (!in.empty() && s.status() != mxd::SmtpSession::Status::kClosed) {
    std::string& out = s.output();
    if (out.find("\r\n.\r\n") != std::string::npos || out.rfind(".\r\n", 0) == 0 ||
        out.find(" LAST\r\n") != std::string::npos) {
      content_ended = true;
    }
    out.clear();
    s.OnOutputDrained(now);
    switch (in.Byte() % 8) {
      case 0:
        now += absl::Seconds(in.Byte() * 5);
        s.OnTimer(now);
        break;
      case 1: s.OnConnectionLost("reset", now); break;
      case 2:
        if (s.tls_wanted()) {
          mxd::TlsSessionInfo i;
          i.used = true;
          i.trusted = in.Byte() & 1;
          i.names_checked = true;
          i.matched = in.Byte() & 1;
          s.OnTlsEstablished(i, now);
        }
        break;
      case 3:
        if (s.tls_wanted()) s.OnTlsFailed("handshake failure", now);
        break;
      default: {
        absl::string_view bytes = in.Take(in.Byte() % 128 + 1);
        const size_t discards = Discards(s);
        const size_t seen = s.transcript().size();
        s.OnReceived(bytes, now);
        // The session drops input that came too early (after its STARTTLS
        // reply, before the content); the shadow drops that chunk too, and
        // takes the replies the session read before the drop from the
        // transcript (one of them may end an earlier transaction).
        if (Discards(s) != discards) {
          for (size_t i = seen; i < s.transcript().size(); ++i) {
            const std::string& line = s.transcript()[i];
            if (line.rfind("(discarded", 0) == 0) break;
            if (content_ended && line.rfind("S: 2", 0) == 0) positive_after_end = true;
          }
          shadow = std::make_unique<mxd::ReplyParser>();
          break;
        }
        shadow->Feed(bytes);
        while (std::optional<mxd::SmtpReply> r = shadow->Next()) {
          if (content_ended && r->code / 100 == 2) positive_after_end = true;
        }
      }
    }
    if (s.message_finished()) break;
  }
  if (s.message_finished()) {
    std::vector<mxd::RecipientOutcome> o = s.TakeOutcomes();
    if (o.size() != env.recipients.size()) mxd::fuzz::Fail("outcome count");
    for (const auto& r : o) {
      if (r.action == mxd::DeliveryAction::kDelivered && (!positive_after_end || r.smtp_code / 100 != 2)) {
        for (const std::string& line : s.transcript()) std::fprintf(stderr, "%s\n", line.c_str());
        mxd::fuzz::Fail("delivered without a 2xx after the end of the content");
      }
      if (r.reason.empty()) mxd::fuzz::Fail("outcome without a reason");
    }
  }
  return 0;
}
