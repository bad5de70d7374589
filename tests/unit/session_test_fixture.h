// The fixture shared by the session's unit tests (smtp_session_test.cc,
// smtp_transaction_test.cc): a session the test plays the server for.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "delivery-svc/smtp/smtp_session.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/memory_content.h"

namespace mxd {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

using testing_support::MemoryContent;

constexpr char kEhloPipelining[] =
    "250-mx.example\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n";
constexpr char kEhloPlain[] = "250-mx.example\r\n250 SIZE\r\n";

class SessionTest : public ::testing::Test {
 protected:
  SessionTest() : content_("Subject: hi\r\n\r\nbody\n.leading dot\n") {
    env_.sender = "alice@example.org";
    env_.recipients = {"bob@example.com", "carol@example.com"};
    env_.content = &content_;
    settings_.helo_name = "client.example.org";
  }

  // How the session ended, by its one report.
  bool TriesNext() const { return session_->ending().kind == SmtpSession::Ending::kTryNextAddress; }
  std::string FailureReason() const { return session_->ending().failure.reason; }
  std::string FailureEnhanced() const { return session_->ending().failure.enhanced; }

  void Start() {
    session_ =
        std::make_unique<SmtpSession>(settings_, SmtpPeer{"mx.example", "192.0.2.1", 25}, now_, security_);
    session_->StartMessage(&env_, now_);
  }
  // Everything the client wrote since the last call (body included).
  std::string Client() {
    std::string all;
    for (int guard = 0; guard < 100000; ++guard) {
      std::string& out = session_->output();
      if (out.empty()) break;
      all += out;
      out.clear();
      session_->OnOutputDrained(now_);
    }
    return all;
  }
  void Server(const std::string& bytes) { session_->OnReceived(bytes, now_); }
  void Advance(absl::Duration d) {
    now_ += d;
    session_->OnTimer(now_);
  }
  // Greeting and EHLO with the given EHLO reply.
  void Handshake(const std::string& ehlo_reply) {
    Start();
    EXPECT_EQ(Client(), "");
    Server("220 mx.example ESMTP\r\n");
    EXPECT_EQ(Client(), "EHLO client.example.org\r\n");
    Server(ehlo_reply);
  }

  SessionSettings settings_;
  SessionSecurity security_;
  MemoryContent content_;
  MessageEnvelope env_;
  absl::Time now_ = absl::FromUnixSeconds(1700000000);
  std::unique_ptr<SmtpSession> session_;
};

}  // namespace
}  // namespace mxd
