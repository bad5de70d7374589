// The SMTP session state machine, with the test playing the server: the
// connection's life (greeting, EHLO, STARTTLS, AUTH, timeouts, endings).
// One mail transaction: smtp_transaction_test.cc.
#include <random>

#include "tests/unit/session_test_fixture.h"

namespace mxd {
namespace {

TEST_F(SessionTest, EhloRejectedFallsBackToHelo) {
  Start();
  Server("220 mx.example\r\n");
  EXPECT_EQ(Client(), "EHLO client.example.org\r\n");
  Server("502 5.5.2 Error: command not recognized\r\n");
  EXPECT_EQ(Client(), "HELO client.example.org\r\n");
  Server("250 mx.example\r\n");
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org>\r\n");  // no extensions without EHLO
  EXPECT_FALSE(session_->features().esmtp);
}

TEST_F(SessionTest, EhloChoiceFollowsSettings) {
  settings_.never_send_ehlo = true;
  Start();
  Server("220 mx.example ESMTP\r\n");
  EXPECT_EQ(Client(), "HELO client.example.org\r\n");

  settings_.never_send_ehlo = false;
  settings_.always_send_ehlo = false;
  Start();
  Server("220 mx.example Sendmail\r\n");
  EXPECT_EQ(Client(), "HELO client.example.org\r\n");
  Start();
  Server("220 mx.example ESMTP Postfix\r\n");
  EXPECT_EQ(Client(), "EHLO client.example.org\r\n");
}

TEST_F(SessionTest, HeloRejectedDecidesTheMessage) {
  Start();
  Server("220 mx.example\r\n");
  Client();
  Server("500 no\r\n");
  Client();
  Server("550 5.7.1 go away\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(Client(), "QUIT\r\n");
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_THAT(o[0].reason, HasSubstr("(in reply to HELO command)"));
}

TEST_F(SessionTest, BadGreetingsSkipToTheNextAddress) {
  for (const char* greeting : {"421 4.3.2 busy\r\n", "554 5.7.1 go away\r\n"}) {
    Start();
    Server(greeting);
    EXPECT_TRUE(TriesNext()) << greeting;
    EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
    EXPECT_THAT(FailureReason(), HasSubstr("host mx.example[192.0.2.1] refused to talk to me: "));
  }
}

TEST_F(SessionTest, BadGreetingDecidesWhenNotSkipping) {
  settings_.skip_5xx_greeting = false;
  Start();
  Server("554 5.7.1 go away\r\n");
  EXPECT_FALSE(TriesNext());
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[0].enhanced, "5.7.1");
  EXPECT_EQ(o[0].reason, "host mx.example[192.0.2.1] refused to talk to me: 554 5.7.1 go away");

  settings_.skip_4xx_greeting = false;
  Start();
  Server("421 busy\r\n");
  o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
}

TEST_F(SessionTest, TimeoutsNameThePhase) {
  Start();
  Advance(absl::Seconds(299));
  EXPECT_EQ(session_->status(), SmtpSession::Status::kBusy);
  Advance(absl::Seconds(1));
  EXPECT_TRUE(TriesNext());  // no banner yet: another address may answer
  EXPECT_EQ(FailureReason(),
            "conversation with mx.example[192.0.2.1] timed out while receiving the initial server greeting");

  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\n");
  Client();
  Advance(settings_.rcpt_timeout);
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[0].reason, "conversation with mx.example[192.0.2.1] timed out while sending RCPT TO");

  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  Client();
  Advance(absl::Seconds(599));
  EXPECT_FALSE(session_->message_finished());
  Advance(absl::Seconds(1));
  o = session_->TakeOutcomes();
  EXPECT_EQ(o[1].reason,
            "conversation with mx.example[192.0.2.1] timed out while sending end of data -- message may be "
            "sent more than once");
}

TEST_F(SessionTest, LostConnectionDefersWithThePhase) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  // The body is produced but not drained: the connection dies meanwhile.
  session_->OnConnectionLost("Connection reset by peer", now_);
  ASSERT_TRUE(session_->message_finished());
  EXPECT_FALSE(TriesNext());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[0].reason,
            "lost connection with mx.example[192.0.2.1] while sending end of data -- message may "
            "be sent more than once: Connection reset by peer");
}

TEST_F(SessionTest, LostBeforeGreetingTriesNextAddress) {
  Start();
  session_->OnConnectionLost("", now_);
  EXPECT_TRUE(TriesNext());
  EXPECT_EQ(FailureReason(),
            "lost connection with mx.example[192.0.2.1] while receiving the initial server greeting");
}

TEST_F(SessionTest, MalformedReplyIsAProtocolErrorWithTranscript) {
  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\nthis is not smtp\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_TRUE(session_->protocol_error());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_THAT(o[0].reason, HasSubstr("sent a malformed reply while sending RCPT TO"));
  EXPECT_THAT(session_->transcript(), ::testing::Contains("S: 220 mx.example ESMTP"));
  EXPECT_THAT(session_->transcript(), ::testing::Contains("C: MAIL FROM:<alice@example.org> SIZE=33"));
}

// delivery_reply_memory_limit spent by other sessions: ours, not the
// server's, so no protocol error and no other server; the rest is deferred.
TEST_F(SessionTest, ReplyMemoryBudgetSpentDefersWithoutTryingElsewhere) {
  ByteBudget budget(20000);
  ASSERT_TRUE(budget.Take(19000));  // what the other sessions hold
  settings_.reply_budget = &budget;
  Handshake(kEhloPlain);
  Client();
  Server("250-" + std::string(1000, 'x') + "\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_FALSE(session_->protocol_error());
  EXPECT_EQ(session_->ending().kind, SmtpSession::Ending::kMessageDone);
  EXPECT_EQ(FailureEnhanced(), "4.3.0");
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[0].reason,
            "delivery temporarily suspended while receiving a reply from mx.example[192.0.2.1] while sending "
            "MAIL FROM: reply memory budget exhausted (delivery_reply_memory_limit = 20000 bytes)");
  EXPECT_EQ(o[1].reason, o[0].reason);
  session_.reset();
  EXPECT_EQ(budget.in_use(), 19000u);  // everything the session held went back
}

// Postfix's PIX workarounds apply where the greeting looks like a PIX's (or
// smtp_pix_workaround_maps says so): HELO instead of EHLO, and for an old
// message the final "." alone after smtp_pix_workaround_delay_time.
TEST_F(SessionTest, PixWorkaroundsForAPixGreeting) {
  env_.pix_workaround = true;
  Start();
  Server("220 ******************************\r\n");
  EXPECT_EQ(Client(), "HELO client.example.org\r\n");
  Server("250 ok\r\n");
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:"));
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "DATA\r\n");
  Server("354 go\r\n");
  std::string body = Client();
  EXPECT_FALSE(absl::EndsWith(body, "\r\n.\r\n"));
  Advance(absl::Seconds(9));
  EXPECT_EQ(Client(), "");
  Advance(absl::Seconds(1));
  EXPECT_EQ(Client(), ".\r\n");
  Server("250 ok\r\n");
  EXPECT_EQ(session_->TakeOutcomes()[0].action, DeliveryAction::kDelivered);
}

TEST_F(SessionTest, NoPixWorkaroundForAnOrdinaryServer) {
  env_.pix_workaround = true;  // old enough, but the server is no PIX
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_TRUE(absl::EndsWith(Client(), "\r\n.\r\n"));
}

TEST_F(SessionTest, PixWorkaroundsFromTheMapsOverrideTheGreeting) {
  security_.pix_workarounds = std::vector<std::string>{"delay_dotcrlf"};
  env_.pix_workaround = true;
  Handshake(kEhloPipelining);  // an ordinary greeting, EHLO as usual
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_FALSE(absl::EndsWith(Client(), "\r\n.\r\n"));
  Advance(absl::Seconds(10));
  EXPECT_EQ(Client(), ".\r\n");
}

TEST_F(SessionTest, ResetAndQuit) {
  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("354 go\r\n");
  Client();
  Server("250 ok\r\n");
  session_->TakeOutcomes();
  session_->Reset(now_);
  EXPECT_EQ(Client(), "RSET\r\n");
  Server("250 ok\r\n");
  EXPECT_EQ(session_->status(), SmtpSession::Status::kReady);
  session_->Quit(now_);
  EXPECT_EQ(Client(), "QUIT\r\n");
  EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);  // smtp_skip_quit_response
}

TEST_F(SessionTest, QuitWaitsForItsReplyWhenAskedTo) {
  settings_.skip_quit_response = false;
  Handshake(kEhloPlain);
  session_->TakeOutcomes();
  // Not delivering anything: a ready session says goodbye.
  SmtpSession ready(settings_, SmtpPeer{"mx.example", "192.0.2.1", 25}, now_);
  ready.OnReceived("220 hi\r\n", now_);
  ready.output().clear();
  ready.OnReceived("250 mx.example\r\n", now_);
  ASSERT_EQ(ready.status(), SmtpSession::Status::kReady);
  ready.Quit(now_);
  EXPECT_EQ(ready.output(), "QUIT\r\n");
  EXPECT_EQ(ready.status(), SmtpSession::Status::kBusy);
  ready.OnReceived("221 bye\r\n", now_);
  EXPECT_EQ(ready.status(), SmtpSession::Status::kClosed);
  // No answer within smtp_quit_timeout loses nothing either.
  SmtpSession silent(settings_, SmtpPeer{"mx.example", "192.0.2.1", 25}, now_);
  silent.OnReceived("220 hi\r\n250 mx\r\n", now_);
  silent.Quit(now_);
  silent.OnTimer(now_ + settings_.quit_timeout);
  EXPECT_EQ(silent.status(), SmtpSession::Status::kClosed);
}

// Whatever the server does, every recipient gets exactly one outcome, and
// nobody is "delivered" unless the server said 2xx to the end of data.
TEST_F(SessionTest, RandomServersNeverBreakTheInvariants) {
  std::mt19937 rng(42);
  const std::vector<std::string> replies = {"250 ok\r\n",  "354 go\r\n", "451 later\r\n", "550 no\r\n",
                                            "garbage\r\n", "250-a\r\n",  "421 bye\r\n"};
  for (int round = 0; round < 2000; ++round) {
    settings_.recipient_limit = 1 + rng() % 3;
    env_.recipients.assign(1 + rng() % 4, "r@x.example");
    Start();
    bool dot_sent = false, positive_after_dot = false;
    for (int step = 0; step < 40 && !session_->message_finished() && !TriesNext(); ++step) {
      std::string out = Client();
      if (absl::StrContains(out, "\r\n.\r\n") || out == ".\r\n" || absl::StrContains(out, " LAST\r\n")) {
        dot_sent = true;
      }
      switch (rng() % 10) {
        case 0: session_->OnConnectionLost("reset", now_); break;
        case 1: Advance(absl::Seconds(601)); break;
        default: {
          const std::string& r = replies[rng() % replies.size()];
          if (dot_sent && r[0] == '2') positive_after_dot = true;
          Server(r);
        }
      }
    }
    if (!session_->message_finished()) continue;
    auto o = session_->TakeOutcomes();
    ASSERT_EQ(o.size(), env_.recipients.size());
    for (const auto& r : o) {
      if (r.action == DeliveryAction::kDelivered) {
        EXPECT_TRUE(positive_after_dot) << "round " << round;
        EXPECT_EQ(r.smtp_code / 100, 2);
      }
      EXPECT_FALSE(r.reason.empty());
    }
  }
}

// 8BITMIME to 7BIT: the session converts when the server lacks 8BITMIME.

// STARTTLS and AUTH. The test plays the server and reports the handshake's
// result the way smtp_connection.cc does.

constexpr char kEhloTls[] = "250-mx.example\r\n250-PIPELINING\r\n250 STARTTLS\r\n";

TlsSessionInfo Tls(bool trusted, bool matched) {
  TlsSessionInfo i;
  i.used = true;
  i.protocol = "TLSv1.3";
  i.cipher = "TLS_AES_256_GCM_SHA384";
  i.trusted = trusted;
  i.names_checked = true;
  i.matched = matched;
  if (!trusted) i.trust_error = "certificate has expired";
  return i;
}

TEST_F(SessionTest, StartTlsThenEhloAgainAndOnlyTheNewFeatures) {
  security_.tls_level = TlsLevel::kMay;
  Handshake(kEhloTls);
  EXPECT_EQ(Client(), "STARTTLS\r\n");
  // A reply pipelined in the clear after the 220 must not count inside TLS.
  Server("220 2.0.0 go ahead\r\n250 2.1.0 injected\r\n");
  EXPECT_TRUE(session_->tls_wanted());
  EXPECT_EQ(Client(), "");
  ASSERT_TRUE(session_->deadline().has_value());  // smtp_starttls_timeout
  session_->OnTlsEstablished(Tls(true, true), now_);
  EXPECT_FALSE(session_->tls_wanted());
  EXPECT_EQ(Client(), "EHLO client.example.org\r\n");
  EXPECT_THAT(session_->transcript(),
              ::testing::Contains("(discarded what the server sent after its STARTTLS reply)"));
  // Inside TLS the server offers no PIPELINING: lock-step from here.
  Server("250-mx.example\r\n250 SIZE\r\n");
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org> SIZE=33\r\n");
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "RCPT TO:<bob@example.com>\r\n");
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "DATA\r\n");
  Server("354 go\r\n");
  Client();
  Server("250 2.0.0 queued\r\n");
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDelivered);
  EXPECT_TRUE(o[0].tls.used);
  EXPECT_EQ(o[0].tls.protocol, "TLSv1.3");
}

TEST_F(SessionTest, EncryptWithoutStartTlsOfferedNeverSendsInPlainText) {
  security_.tls_level = TlsLevel::kEncrypt;
  Handshake(kEhloPipelining);
  EXPECT_EQ(Client(), "");
  EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
  EXPECT_TRUE(TriesNext());
  EXPECT_EQ(FailureReason(), "TLS is required, but was not offered by host mx.example[192.0.2.1]");
  EXPECT_EQ(FailureEnhanced(), "4.7.4");
}

TEST_F(SessionTest, MayGoesOnInPlainTextWhenStartTlsIsRefused) {
  security_.tls_level = TlsLevel::kMay;
  Handshake(kEhloTls);
  EXPECT_EQ(Client(), "STARTTLS\r\n");
  Server("454 4.7.0 TLS not available due to local problem\r\n");
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:<alice@example.org>"));
}

// 421 means the server is closing the connection (RFC 5321 3.8): no
// fallback to HELO or to plain text on a connection that is going away, and
// (after the greeting) no move to the next address either.
TEST_F(SessionTest, A421ToEhloDefersWithoutTryingHelo) {
  Start();
  Server("220 mx.example ESMTP\r\n");
  EXPECT_EQ(Client(), "EHLO client.example.org\r\n");
  Server("421 4.3.2 mx.example shutting down\r\n");
  EXPECT_EQ(Client(), "");
  EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
  EXPECT_FALSE(TriesNext());
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  for (const RecipientOutcome& r : o) {
    EXPECT_EQ(r.action, DeliveryAction::kDeferred);
    EXPECT_EQ(r.smtp_code, 421);
    EXPECT_EQ(r.enhanced, "4.3.2");
    EXPECT_EQ(
        r.reason,
        "host mx.example[192.0.2.1] said: 421 4.3.2 mx.example shutting down (in reply to EHLO command)");
  }
}

TEST_F(SessionTest, A421ToStartTlsIsNotAnInvitationToGoOnInPlainText) {
  security_.tls_level = TlsLevel::kMay;
  Handshake(kEhloTls);
  EXPECT_EQ(Client(), "STARTTLS\r\n");
  Server("421 4.3.2 shutting down\r\n");
  EXPECT_EQ(Client(), "");
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[0].reason,
            "host mx.example[192.0.2.1] said: 421 4.3.2 shutting down (in reply to STARTTLS command)");
}

TEST_F(SessionTest, A421AfterARecipientWasDecidedDefersTheRestWithIt) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 2.1.0 Ok\r\n550 5.1.1 no such user\r\n421 4.3.2 shutting down\r\n");
  EXPECT_EQ(Client(), "");
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[1].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[1].smtp_code, 421);
  EXPECT_EQ(o[1].enhanced, "4.3.2");
  EXPECT_EQ(o[1].reason,
            "host mx.example[192.0.2.1] said: 421 4.3.2 shutting down (in reply to RCPT TO command)");
}

TEST_F(SessionTest, EncryptDefersWhenStartTlsIsRefused) {
  security_.tls_level = TlsLevel::kEncrypt;
  Handshake(kEhloTls);
  Client();
  Server("454 4.7.0 TLS not available\r\n");
  EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
  EXPECT_THAT(FailureReason(), HasSubstr("TLS is required, but host mx.example[192.0.2.1] refused"));
}

TEST_F(SessionTest, FailedHandshakeAtMayAsksForAPlainTextRetry) {
  security_.tls_level = TlsLevel::kMay;
  Handshake(kEhloTls);
  Client();
  Server("220 go\r\n");
  session_->OnTlsFailed("unsupported protocol", now_);
  EXPECT_EQ(session_->ending().kind, SmtpSession::Ending::kRetryWithoutTls);
  EXPECT_EQ(FailureReason(),
            "Cannot start TLS: handshake failure with host mx.example[192.0.2.1]: unsupported protocol");
}

// smtp_starttls_timeout: at may, a plain-text retry as after a failed handshake.
TEST_F(SessionTest, HandshakeTimeout) {
  for (TlsLevel level : {TlsLevel::kEncrypt, TlsLevel::kMay}) {
    security_.tls_level = level;
    settings_.starttls_timeout = absl::Seconds(30);
    Handshake(kEhloTls);
    Client();
    Server("220 go\r\n");
    Advance(absl::Seconds(31));
    EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
    EXPECT_EQ(session_->ending().kind, level == TlsLevel::kMay ? SmtpSession::Ending::kRetryWithoutTls
                                                               : SmtpSession::Ending::kTryNextAddress);
    EXPECT_EQ(FailureReason(),
              "conversation with mx.example[192.0.2.1] timed out while performing the TLS handshake");
  }
}

TEST_F(SessionTest, VerifyRefusesUntrustedAndUnmatchedCertificates) {
  for (bool trusted : {false, true}) {
    security_.tls_level = TlsLevel::kVerify;
    Handshake(kEhloTls);
    Client();
    Server("220 go\r\n");
    session_->OnTlsEstablished(Tls(trusted, false), now_);
    EXPECT_EQ(Client(), "");
    EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
    EXPECT_EQ(FailureEnhanced(), "4.7.5");
    EXPECT_THAT(FailureReason(), HasSubstr(trusted ? "Server certificate not verified (host mx.example"
                                                   : "Server certificate not trusted (host mx.example"));
  }
}

TEST_F(SessionTest, WrapperModeHandshakesBeforeTheGreeting) {
  security_.tls_level = TlsLevel::kEncrypt;
  security_.wrappermode = true;
  Start();
  EXPECT_TRUE(session_->tls_wanted());
  session_->OnTlsEstablished(Tls(false, false), now_);
  Server("220 mx.example ESMTP\r\n");
  EXPECT_EQ(Client(), "EHLO client.example.org\r\n");
  Server(kEhloTls);  // STARTTLS inside TLS is ignored
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:"));
}

class AuthTest : public SessionTest {
 protected:
  void SetUp() override {
    sasl_ = std::move(*SaslClient::Create());
    security_.sasl = sasl_.get();
    security_.credentials = {"alice", "secret-password"};
  }
  std::unique_ptr<SaslClient> sasl_;
};

// Postfix's exception: with credentials for this server, no plain-text retry
// after a failed handshake (they are not for plain text).
TEST_F(AuthTest, NoPlainTextRetryWhenWeWouldAuthenticate) {
  security_.tls_level = TlsLevel::kMay;
  Handshake(kEhloTls);
  Client();
  Server("220 go\r\n");
  session_->OnTlsFailed("unsupported protocol", now_);
  EXPECT_NE(session_->ending().kind, SmtpSession::Ending::kRetryWithoutTls);
  EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
}

TEST_F(AuthTest, PlainInitialResponseThenTheMessage) {
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250 AUTH PLAIN LOGIN\r\n");
  // AGxpY2UAc2VjcmV0LXBhc3N3b3Jk = base64("\0alice\0secret-password")
  EXPECT_EQ(Client(), "AUTH PLAIN AGFsaWNlAHNlY3JldC1wYXNzd29yZA==\r\n");
  Server("235 2.7.0 Authentication successful\r\n");
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:<alice@example.org>"));
  for (const std::string& line : session_->transcript()) {
    EXPECT_THAT(line, ::testing::Not(HasSubstr("AGFsaWNl")));
  }
  EXPECT_THAT(session_->transcript(), ::testing::Contains("C: AUTH PLAIN (initial response hidden)"));
}

TEST_F(AuthTest, LoginAnswersChallengesAndHidesThem) {
  security_.mechanism_filter = {"LOGIN"};
  Handshake("250-mx.example\r\n250 AUTH LOGIN\r\n");
  EXPECT_EQ(Client(), "AUTH LOGIN\r\n");
  Server("334 VXNlcm5hbWU6\r\n");  // "Username:"
  EXPECT_EQ(Client(), "YWxpY2U=\r\n");
  Server("334 UGFzc3dvcmQ6\r\n");  // "Password:"
  EXPECT_EQ(Client(), "c2VjcmV0LXBhc3N3b3Jk\r\n");
  Server("235 ok\r\n");
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:"));
  EXPECT_THAT(session_->transcript(), ::testing::Contains("C: (SASL response hidden)"));
}

TEST_F(AuthTest, RejectedLoginDefersBySoftBounceOrBounces) {
  for (bool soft : {true, false}) {
    security_.sasl_soft_bounce = soft;
    Handshake("250-mx.example\r\n250 AUTH PLAIN\r\n");
    Client();
    Server("535 5.7.8 Error: authentication failed\r\n");
    if (soft) {
      EXPECT_TRUE(TriesNext());
      EXPECT_EQ(FailureEnhanced(), "4.7.0");
      EXPECT_EQ(FailureReason(),
                "SASL authentication failed; server mx.example[192.0.2.1] said: 535 5.7.8 Error: "
                "authentication failed");
    } else {
      auto o = session_->TakeOutcomes();
      ASSERT_EQ(o.size(), 2u);
      EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
      EXPECT_EQ(o[0].enhanced, "5.7.8");
    }
  }
}

// A user name from the password map with CR/LF in it never reaches the
// wire raw: SASL responses are base64.
TEST_F(AuthTest, ControlCharactersInCredentialsAreEncoded) {
  security_.credentials = {"evil\r\nMAIL FROM:<x@y>", "pw\r\nQUIT"};
  security_.mechanism_filter = {"LOGIN"};
  Handshake("250-mx.example\r\n250 AUTH LOGIN\r\n");
  EXPECT_EQ(Client(), "AUTH LOGIN\r\n");
  Server("334 VXNlcm5hbWU6\r\n");
  const std::string user = Client();
  EXPECT_EQ(user.find('\r'), user.size() - 2);  // only the line's own CRLF
  EXPECT_EQ(user.find("MAIL"), std::string::npos);
}

TEST_F(AuthTest, NoAuthOfferedMeansNoAuth) {
  Handshake(kEhloPipelining);
  EXPECT_THAT(Client(), ::testing::StartsWith("MAIL FROM:"));
}

TEST_F(AuthTest, NoAllowedMechanism) {
  security_.sasl_options = *SaslSecurityOptions::Parse({"noplaintext"});
  Handshake("250-mx.example\r\n250 AUTH PLAIN LOGIN\r\n");
  EXPECT_EQ(Client(), "");
  EXPECT_EQ(FailureReason(),
            "SASL authentication failed; cannot authenticate to server mx.example[192.0.2.1]: no mechanism "
            "available");
}

}  // namespace
}  // namespace mxd
