// One mail transaction of the SMTP session (MAIL, RCPT, DATA or BDAT, the
// content, conversion), with the test playing the server.
#include "tests/unit/session_test_fixture.h"

namespace mxd {
namespace {

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

// A reused connection with PIPELINING: RSET leads the next message's group
// (RFC 2920), so the probe costs no round trip of its own.
TEST_F(SessionTest, PipelinedReuseSendsRsetInTheSameGroup) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  Client();
  Server("250 2.0.0 queued\r\n");
  ASSERT_TRUE(session_->message_finished());
  session_->TakeOutcomes();

  MessageEnvelope next = env_;
  session_->StartMessage(&next, now_);
  EXPECT_EQ(Client(),
            "RSET\r\nMAIL FROM:<alice@example.org> SIZE=33\r\n"
            "RCPT TO:<bob@example.com>\r\nRCPT TO:<carol@example.com>\r\nDATA\r\n");
  Server("250 2.0.0 reset\r\n250 ok\r\n250 ok\r\n");
  EXPECT_EQ(Client(), "");
  Server("250 ok\r\n354 go\r\n");
  EXPECT_THAT(Client(), HasSubstr("Subject: hi\r\n"));
  Server("250 2.0.0 queued again\r\n");
  ASSERT_TRUE(session_->message_finished());
  EXPECT_EQ(session_->status(), SmtpSession::Status::kReady);
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDelivered);
  EXPECT_EQ(o[1].reason, "250 2.0.0 queued again");
}

// The RSET reply still comes first: a refused probe sends no content even
// when the server answers the rest of the group, and defers the message.
TEST_F(SessionTest, PipelinedRsetRefusedSendsNoContent) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  Client();
  Server("250 2.0.0 queued\r\n");
  session_->TakeOutcomes();

  MessageEnvelope next = env_;
  session_->StartMessage(&next, now_);
  EXPECT_THAT(Client(), ::testing::StartsWith("RSET\r\nMAIL FROM:"));
  Server("554 5.5.0 no more\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  EXPECT_EQ(Client(), "");
  EXPECT_EQ(session_->status(), SmtpSession::Status::kClosed);
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kDeferred);
  EXPECT_EQ(o[0].reason, "host mx.example[192.0.2.1] said: 554 5.5.0 no more (in reply to RSET command)");
  EXPECT_EQ(o[1].action, DeliveryAction::kDeferred);
}

// A cached connection that died answers nothing, not even the RSET: the
// message may go to a fresh connection, as when RSET went alone.
TEST_F(SessionTest, PipelinedReuseOfADeadConnectionTriesAnother) {
  Handshake(kEhloPipelining);
  Client();
  Server("250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n");
  Client();
  Server("250 2.0.0 queued\r\n");
  session_->TakeOutcomes();

  MessageEnvelope next = env_;
  session_->StartMessage(&next, now_);
  EXPECT_THAT(Client(), ::testing::StartsWith("RSET\r\nMAIL FROM:"));
  session_->OnConnectionLost("Connection reset by peer", now_);
  EXPECT_TRUE(TriesNext());
  EXPECT_THAT(FailureReason(), HasSubstr("while sending RSET"));
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

// The first pass done where the message was spooled (msg.conversion) is
// what the session goes by: it does not scan the content again.
TEST_F(SessionTest, AFirstPassDoneBeforehandIsUsed) {
  env_.eight_bit = true;
  auto scan = std::make_shared<ConversionScan>();
  scan->error = MimeError{"5.6.0", "found by the first pass beforehand"};
  env_.conversion = scan;
  Handshake(kEhloPlain);
  EXPECT_EQ(Client(), "");  // no MAIL FROM
  auto o = session_->TakeOutcomes();
  ASSERT_EQ(o.size(), 2u);
  EXPECT_EQ(o[0].action, DeliveryAction::kBounced);
  EXPECT_EQ(o[0].enhanced, "5.6.0");
  EXPECT_THAT(o[0].reason, HasSubstr("found by the first pass beforehand"));
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

TEST(Xtext, EncodesPlusEqualsAndNonPrintables) {
  EXPECT_EQ(XtextEncode("user@example.com"), "user@example.com");
  EXPECT_EQ(XtextEncode("a+b=c d"), "a+2Bb+3Dc+20d");
  EXPECT_EQ(XtextEncode("\xc3\xa9"), "+C3+A9");
}

}  // namespace
}  // namespace mxd
