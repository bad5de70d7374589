// The SMTP session state machine, with the test playing the server.
#include "delivery-svc/smtp/smtp_session.h"

#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

TEST_F(SessionTest, PipelinedDeliveryWithOneRejectedRecipient) {
  env_.eight_bit = true;
  Handshake(kEhloPipelining);
  EXPECT_EQ(Client(),
            "MAIL FROM:<alice@example.org> SIZE=33 BODY=8BITMIME\r\n"
            "RCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n");
  Server("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 <carol@example.com>: Recipient address rejected\r\n");
  EXPECT_EQ(Client(), "");
  Server("354 End data with <CR><LF>.<CR><LF>\r\n");
  EXPECT_EQ(Client(), "Subject: hi\r\n\r\nbody\r\n..leading dot\r\n.\r\n");
  EXPECT_FALSE(session_->message_finished());
  Server("250 2.0.0 Ok: queued as ABC123\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(session_->status(), SmtpSession::Status::kReady);
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDelivered);
  EXPECT_EQ(o[0].smtp_code, 250);
  EXPECT_EQ(o[0].enhanced, "2.0.0");
  EXPECT_EQ(o[0].reason, "250 2.0.0 Ok: queued as ABC123");
  EXPECT_EQ(o[0].host, "mx.example");
  EXPECT_EQ(o[0].ip, "192.0.2.1");
  EXPECT_EQ(o[1].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[1].smtp_code, 550);
  EXPECT_EQ(o[1].enhanced, "5.1.1");
  EXPECT_EQ(o[1].reason,
            "host mx.example[192.0.2.1] said: 550 5.1.1 <carol@example.com>: Recipient address rejected "
            "(in reply to RCPT TO command)");
  EXPECT_FALSE(session_->protocol_error());
}

TEST_F(SessionTest, LockStepWithoutPipeliningAndNo8bitmime) {
  env_.eight_bit = true;  // server lacks 8BITMIME: no BODY= parameter (sent as is)
  Handshake(kEhloPlain);
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org> SIZE=33\r\n");
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "RCPT TO:<bob@example.com>\r\n");
  Server("451 try later\r\n");
  EXPECT_EQ(Client(), "RCPT TO:<carol@example.com>\r\n");
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "DATA\r\n");
  Server("354 go\r\n");
  EXPECT_THAT(Client(), HasSubstr("\r\n.\r\n"));
  Server("250 queued\r\n");
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[0].enhanced, "4.0.0");
  EXPECT_EQ(o[0].reason, "host mx.example[192.0.2.1] said: 451 try later (in reply to RCPT TO command)");
  EXPECT_EQ(o[1].action, DeliveryAction::kDelivered);
  EXPECT_EQ(o[1].enhanced, "2.0.0");
}

TEST_F(SessionTest, NoRecipientAcceptedMeansNoData) {
  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\n");
  Client();
  Server("550 no\r\n");
  Client();
  Server("550 no\r\n");
  EXPECT_EQ(Client(), "");  // no DATA
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[1].action, DeliveryAction::kBounced);
  // Reused later, the open MAIL transaction is cleared first.
  MessageEnvelope next = env_;
  session_->StartMessage(&next, now_);
  EXPECT_EQ(Client(), "RSET\r\n");
  Server("250 ok\r\n");
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:<alice@example.org>"));
}

TEST_F(SessionTest, PipelinedNoRecipientAcceptedDataRejected) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n550 5.1.1 a\r\n550 5.1.1 b\r\n554 5.5.1 no valid recipients\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(Client(), "");
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_THAT(o[0].reason, HasSubstr("(in reply to RCPT TO command)"));
}

TEST_F(SessionTest, PipelinedServerAcceptsDataWithoutRecipients) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n550 a\r\n550 b\r\n354 go ahead anyway\r\n");
  EXPECT_EQ(Client(), ".\r\n");  // end it at once, send no content
  Server("554 no recipients\r\n");
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[1].action, DeliveryAction::kBounced);
}

TEST_F(SessionTest, MailFromRejectedDecidesEveryRecipient) {
  Handshake(kEhloPipelining);
  Client();
  Server("451 4.3.0 sender check failed\r\n503 need MAIL\r\n503 need MAIL\r\n503 need MAIL\r\n");
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  for (const auto& r : o) {
    EXPECT_EQ(r.action, DeliveryAction::kDeferred);
    EXPECT_EQ(r.enhanced, "4.3.0");
    EXPECT_THAT(r.reason, HasSubstr("(in reply to MAIL FROM command)"));
  }
}

TEST_F(SessionTest, DataAndEndOfDataRejections) {
  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "DATA\r\n");
  Server("451 4.3.0 not now\r\n");
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_THAT(o[0].reason, HasSubstr("451 4.3.0 not now (in reply to DATA command)"));

  MessageEnvelope next = env_;
  session_->StartMessage(&next, now_);
  EXPECT_EQ(Client(), "RSET\r\n");
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("354 go\r\n");
  Client();
  Server("554 5.7.1 spam\r\n");
  o = session_->TakeOutcomes();
  EXPECT_EQ(o[1].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[1].reason, "host mx.example[192.0.2.1] said: 554 5.7.1 spam (in reply to end of DATA command)");
}

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

TEST_F(SessionTest, MessageLargerThanServerLimitBouncesUnsent) {
  Handshake("250-mx.example\r\n250 SIZE 10\r\n");
  EXPECT_EQ(Client(), "");
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[0].enhanced, "5.3.4");
  EXPECT_EQ(o[0].reason, "message size 33 exceeds size limit 10 of server mx.example[192.0.2.1]");
}

TEST_F(SessionTest, RecipientLimitSplitsTransactionsOnOneConnection) {
  settings_.recipient_limit = 2;
  env_.recipients = {"r1@x.example", "r2@x.example", "r3@x.example", "r4@x.example", "r5@x.example"};
  Handshake(kEhloPipelining);
  int transactions = 0;
  for (int t = 0; t < 3; ++t) {
    std::string batch = Client();
    ASSERT_THAT(batch, HasSubstr("MAIL FROM:"));
    ++transactions;
    const int rcpts = t < 2 ? 2 : 1;
    EXPECT_EQ(std::count(batch.begin(), batch.end(), '<') - 1, rcpts) << batch;
    std::string replies = "250 ok\r\n";
    for (int i = 0; i < rcpts; ++i) replies += "250 ok\r\n";
    Server(replies + "354 go\r\n");
    EXPECT_THAT(Client(), HasSubstr("\r\n.\r\n"));
    Server(absl::StrCat("250 queued as T", t, "\r\n"));
  }
  EXPECT_EQ(transactions, 3);
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 5u);
  EXPECT_EQ(o[0].reason, "250 queued as T0");
  EXPECT_EQ(o[3].reason, "250 queued as T1");
  EXPECT_EQ(o[4].reason, "250 queued as T2");
}

// Past start_by (the caller's deadline less one transaction's worst case)
// the first transaction still runs, but no further one begins: its
// recipients are deferred with 4.4.7, not left for a caller who is gone.
TEST_F(SessionTest, NoNewTransactionPastTheCallersStartBy) {
  settings_.recipient_limit = 1;
  env_.recipients = {"r1@x.example", "r2@x.example"};
  env_.start_by = now_ + absl::Seconds(5);
  Handshake(kEhloPipelining);
  EXPECT_THAT(Client(), HasSubstr("MAIL FROM:"));
  Server("250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_THAT(Client(), HasSubstr("\r\n.\r\n"));
  now_ += absl::Seconds(6);
  Server("250 queued\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(session_->status(), SmtpSession::Status::kReady);
  EXPECT_THAT(Client(), Not(HasSubstr("MAIL FROM")));
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDelivered);
  EXPECT_EQ(o[1].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[1].enhanced, "4.4.7");
  EXPECT_EQ(
      o[1].reason,
      "delivery to mx.example[192.0.2.1] not continued: too little time left before the caller's deadline "
      "for another mail transaction");
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

TEST_F(SessionTest, DsnParametersOnlyWhenOffered) {
  env_.dsn = {{"SUCCESS,FAILURE", "rfc822;bob+tag@example.com"}, {"", ""}};
  env_.dsn_ret = "HDRS";
  env_.dsn_envid = "Q1 42";
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250 DSN\r\n");
  EXPECT_EQ(Client(),
            "MAIL FROM:<alice@example.org> RET=HDRS ENVID=Q1+2042\r\n"
            "RCPT TO:<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob+2Btag@example.com\r\n"
            "RCPT TO:<carol@example.com>\r\nDATA\r\n");
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  Client();
  Server("250 ok\r\n");
  auto o = session_->TakeOutcomes();
  EXPECT_TRUE(o[0].dsn_passed);   // the server will send the notices it was asked for
  EXPECT_FALSE(o[1].dsn_passed);  // nothing was asked for carol

  Handshake(kEhloPipelining);  // no DSN offered: nothing passed on
  EXPECT_EQ(Client().find("NOTIFY"), std::string::npos);
}

TEST_F(SessionTest, Smtputf8NeedsTheExtension) {
  env_.smtputf8 = true;
  Handshake(kEhloPipelining);
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(Client(), "");
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[0].enhanced, "5.6.7");
  EXPECT_EQ(o[0].reason, "SMTPUTF8 is required, but was not offered by host mx.example[192.0.2.1]");

  Handshake("250-mx.example\r\n250 SMTPUTF8\r\n");
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org> SMTPUTF8\r\n");
}

TEST_F(SessionTest, ChunkingSendsBdatAfterTheRecipientReplies) {
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  EXPECT_EQ(Client(),
            "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\n");
  Server("250 ok\r\n250 ok\r\n");
  EXPECT_EQ(Client(), "");  // not before every RCPT reply is in
  Server("550 no\r\n");
  // No dot-stuffing with BDAT; line ends still CRLF; the size is the octets sent.
  EXPECT_EQ(Client(), "BDAT 35\r\nSubject: hi\r\n\r\nbody\r\n.leading dot\r\nBDAT 0 LAST\r\n");
  Server("250 2.0.0 chunk ok\r\n");
  EXPECT_FALSE(session_->message_finished());
  Server("250 2.0.0 queued as B1\r\n");
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDelivered);
  EXPECT_EQ(o[0].reason, "250 2.0.0 queued as B1");
  EXPECT_EQ(o[1].action, DeliveryAction::kBounced);
}

TEST_F(SessionTest, ChunkingRefusedMidwayAndNoRecipients) {
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n");
  Client();
  Server("452 4.3.1 out of space\r\n");  // the first chunk refused
  EXPECT_FALSE(session_->message_finished());
  Server("503 5.5.1 no transaction\r\n");  // the LAST one, already sent
  ASSERT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_THAT(o[0].reason, HasSubstr("452 4.3.1 out of space (in reply to BDAT command)"));

  Handshake("250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  Client();
  Server("250 ok\r\n550 a\r\n550 b\r\n");
  EXPECT_EQ(Client(), "");  // nobody accepted: no content at all
  ASSERT_TRUE(session_->message_finished());
  session_->TakeOutcomes();
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
  Client();
  Server("451 sender later\r\n503 a\r\n503 b\r\n");  // MAIL refused, RCPT replies still come
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(session_->TakeOutcomes()[0].action, DeliveryAction::kDeferred);
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

// Found by tests/fuzz/session_fuzz: a 250 that arrives with the 354, before
// any content was sent, must not count as the end-of-data reply.
TEST_F(SessionTest, ReplyPipelinedAfter354IsNotTheEndOfDataReply) {
  env_.recipients = {"bob@example.com"};
  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "DATA\r\n");
  Server("354 go\r\n250 2.0.0 too early\r\n");
  Client();  // the content and the final dot
  EXPECT_FALSE(session_->message_finished());
  Server("250 2.0.0 queued\r\n");
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDelivered);
  EXPECT_EQ(o[0].reason, "250 2.0.0 queued");
  EXPECT_THAT(session_->transcript(),
              ::testing::Contains("(discarded what the server sent before the message content)"));
}

// 8BITMIME to 7BIT: the session converts when the server lacks 8BITMIME.

TEST_F(SessionTest, EightBitContentIsConvertedForA7BitServer) {
  MemoryContent content(
      "Subject: caf\xc3\xa9\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nd\xc3\xa9j\xc3\xa0 vu\r\n");
  env_.content = &content;
  env_.eight_bit = true;
  env_.recipients = {"bob@example.com"};
  Handshake(kEhloPlain);  // no 8BITMIME
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org> SIZE=" + std::to_string(content.size()) + "\r\n");
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  EXPECT_EQ(Client(), "DATA\r\n");
  Server("354 go\r\n");
  const std::string body = Client();
  EXPECT_THAT(body, HasSubstr("Content-Transfer-Encoding: quoted-printable\r\n"));
  EXPECT_THAT(body, HasSubstr("d=C3=A9j=C3=A0 vu\r\n"));
  EXPECT_THAT(body, HasSubstr("Subject: caf\xc3\xa9\r\n"));  // headers stay as they are
  for (size_t i = body.find("\r\n\r\n"); i < body.size(); ++i) {
    EXPECT_LT(static_cast<unsigned char>(body[i]), 128) << "8-bit octet in the converted body at " << i;
  }
}

TEST_F(SessionTest, NoConversionWhen8BitMimeIsOfferedOrConversionIsOff) {
  MemoryContent content("Content-Transfer-Encoding: 8bit\r\n\r\n\xe9t\xe9\r\n");
  env_.content = &content;
  env_.eight_bit = true;
  env_.recipients = {"bob@example.com"};
  for (bool offered : {true, false}) {
    settings_.mime_output_conversion = offered;  // off in the second round
    Handshake(offered ? "250-mx.example\r\n250 8BITMIME\r\n" : kEhloPlain);
    EXPECT_THAT(Client(), HasSubstr(offered ? "BODY=8BITMIME" : "SIZE="));
    Server("250 ok\r\n");
    Client();
    Server("250 ok\r\n");
    Client();
    Server("354 go\r\n");
    EXPECT_THAT(Client(), HasSubstr("\xe9t\xe9\r\n"));
  }
}

TEST_F(SessionTest, TooDeeplyNestedContentBouncesBeforeMailFrom) {
  std::string m = "MIME-Version: 1.0\r\n";
  for (int i = 0; i < 5; ++i) m += "Content-Type: message/rfc822\r\n\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n\r\n\xe9\r\n";
  MemoryContent content(m);
  env_.content = &content;
  env_.eight_bit = true;
  settings_.mime_limits.nesting_limit = 3;
  Handshake(kEhloPlain);
  EXPECT_EQ(Client(), "");  // no MAIL FROM
  EXPECT_TRUE(session_->message_finished());
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[0].enhanced, "5.6.0");
  EXPECT_THAT(o[0].reason, HasSubstr("MIME nesting exceeds safety limit"));
  EXPECT_THAT(o[0].reason, HasSubstr("which does not offer 8BITMIME"));
}

TEST_F(SessionTest, BinaryMimeGoesUnchangedWithBdat) {
  static constexpr char kBinary[] = "\x00\xff\r\n.\r\nbare\rcr\nlf";
  const std::string binary(kBinary, sizeof(kBinary) - 1);
  MemoryContent content(binary);
  env_.content = &content;
  env_.binary = env_.eight_bit = true;
  env_.recipients = {"bob@example.com"};
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-CHUNKING\r\n250 BINARYMIME\r\n");
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org> BODY=BINARYMIME\r\nRCPT TO:<bob@example.com>\r\n");
  Server("250 ok\r\n250 ok\r\n");
  EXPECT_EQ(Client(), "BDAT " + std::to_string(binary.size()) + "\r\n" + binary + "BDAT 0 LAST\r\n");
  Server("250 ok\r\n250 2.0.0 queued\r\n");
  EXPECT_EQ(session_->TakeOutcomes()[0].action, DeliveryAction::kDelivered);
}

TEST_F(SessionTest, BinaryWithoutBinaryMimeIsConverted) {
  MemoryContent content(std::string("MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\n"
                                    "Content-Transfer-Encoding: binary\r\n\r\n") +
                        std::string("\xff\x00\rx\r\n", 6));
  env_.content = &content;
  env_.binary = env_.eight_bit = true;
  env_.recipients = {"bob@example.com"};
  Handshake("250-mx.example\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 CHUNKING\r\n");
  EXPECT_EQ(Client(), "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.com>\r\n");  // no BODY=
  Server("250 ok\r\n250 ok\r\n");
  const std::string wire = Client();
  EXPECT_THAT(wire, HasSubstr("Content-Transfer-Encoding: quoted-printable\r\n"));
  EXPECT_THAT(wire, HasSubstr("=FF=00=0Dx"));
}

// NUL octets are passed on as they are, as Postfix's smtp client does; when
// the message is converted they are quoted-printable (=00).
TEST_F(SessionTest, NulOctetsPassUnchanged) {
  const std::string body("Subject: n\r\n\r\na\x00z\r\n", 19);
  MemoryContent content(body);
  env_.content = &content;
  env_.recipients = {"bob@example.com"};
  Handshake(kEhloPlain);
  Client();
  Server("250 ok\r\n");
  Client();
  Server("250 ok\r\n");
  Client();
  Server("354 go\r\n");
  EXPECT_EQ(Client(), body + ".\r\n");
}

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

namespace mxd {
namespace {

TEST(Xtext, EncodesPlusEqualsAndNonPrintables) {
  EXPECT_EQ(XtextEncode("user@example.com"), "user@example.com");
  EXPECT_EQ(XtextEncode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(XtextEncode("\xc3\xa9"), "+C3+A9");
}

}  // namespace
}  // namespace mxd
