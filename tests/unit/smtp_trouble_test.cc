#include "delivery-svc/smtp/smtp_trouble.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace mxd {
namespace {

RecipientOutcome Outcome(DeliveryAction action, const std::string& reason, bool elsewhere = false) {
  RecipientOutcome o;
  o.action = action;
  o.reason = reason;
  o.may_try_elsewhere = elsewhere;
  return o;
}

// Decided stays decided; a soft failure the server did not take stays open
// for the next server; the last news wins when no server is left.
TEST(DeliveryTrouble, SoftFailuresStayOpenForTheNextServer) {
  DeliveryTrouble t(3);
  t.Absorb({Outcome(DeliveryAction::kDeferred, "451 a", true), Outcome(DeliveryAction::kDelivered, "250 b"),
            Outcome(DeliveryAction::kBounced, "550 c")});
  EXPECT_EQ(t.open(), (std::vector<size_t>{0}));
  t.Absorb({Outcome(DeliveryAction::kDeferred, "452 a at mx1", true)});
  EXPECT_EQ(t.open(), (std::vector<size_t>{0}));
  std::vector<RecipientOutcome> out = t.Finish(Outcome(DeliveryAction::kDeferred, "connect failed"));
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].reason, "452 a at mx1");
  EXPECT_EQ(out[1].reason, "250 b");
  EXPECT_EQ(out[2].reason, "550 c");
}

TEST(DeliveryTrouble, NoReplyToTheDotIsFinal) {
  DeliveryTrouble t(1);
  t.Absorb({Outcome(DeliveryAction::kDeferred, "timed out after end of data", false)});
  EXPECT_TRUE(t.done());
}

TEST(DeliveryTrouble, AnUnreachableServerIsTheLatestNews) {
  DeliveryTrouble t(1);
  t.Absorb({Outcome(DeliveryAction::kDeferred, "451 later", true)});
  t.ServerFailed();
  EXPECT_EQ(t.Finish(Outcome(DeliveryAction::kDeferred, "connect to mx1: Connection refused"))[0].reason,
            "connect to mx1: Connection refused");
}

// Out of time for another server: the note goes on every open recipient,
// once, and never on a decided one.
TEST(DeliveryTrouble, TheNoTimeNoteGoesOnOpenRecipientsOnly) {
  DeliveryTrouble t(3);
  t.Absorb({Outcome(DeliveryAction::kDeferred, "451 a", true), Outcome(DeliveryAction::kDelivered, "250 b")});
  std::vector<RecipientOutcome> out =
      t.Finish(Outcome(DeliveryAction::kDeferred, "connect failed"), trouble::kNoTimeForAnotherServer);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0].reason, absl::StrCat("451 a", trouble::kNoTimeForAnotherServer));
  EXPECT_EQ(out[1].reason, "250 b");
  EXPECT_EQ(out[2].reason, absl::StrCat("connect failed", trouble::kNoTimeForAnotherServer));
}

SmtpReply Reply(int code, const std::string& line) {
  SmtpReply r;
  r.code = code;
  r.lines = {line};
  r.text = line.substr(4);
  if (r.text.size() > 5 && r.text[1] == '.') r.enhanced = r.text.substr(0, r.text.find(' '));
  return r;
}

const SmtpPeer kPeer{"mx.example", "192.0.2.1", 25};

// Postfix's words and its choice: 2xx to the end of data delivers, 5xx
// bounces, anything else defers and may go to the next server.
TEST(TroubleWording, RepliesAsPostfixWordsThem) {
  RecipientOutcome o = trouble::FromReply(kPeer, Reply(550, "550 5.1.1 no such user"), SmtpPhase::kRcpt);
  EXPECT_EQ(o.action, DeliveryAction::kBounced);
  EXPECT_EQ(o.enhanced, "5.1.1");
  EXPECT_FALSE(o.may_try_elsewhere);
  EXPECT_EQ(o.reason,
            "host mx.example[192.0.2.1] said: 550 5.1.1 no such user (in reply to RCPT TO command)");

  o = trouble::FromReply(kPeer, Reply(451, "451 try later"), SmtpPhase::kData);
  EXPECT_EQ(o.action, DeliveryAction::kDeferred);
  EXPECT_EQ(o.enhanced, "4.0.0");
  EXPECT_TRUE(o.may_try_elsewhere);
  EXPECT_EQ(o.reason, "host mx.example[192.0.2.1] said: 451 try later (in reply to DATA command)");

  o = trouble::FromReply(kPeer, Reply(250, "250 2.0.0 Ok: queued as ABC"), SmtpPhase::kDot);
  EXPECT_EQ(o.action, DeliveryAction::kDelivered);
  EXPECT_EQ(o.reason, "250 2.0.0 Ok: queued as ABC");

  o = trouble::FromReply(kPeer, Reply(554, "554 go away"), SmtpPhase::kGreeting);
  EXPECT_EQ(o.reason, "host mx.example[192.0.2.1] refused to talk to me: 554 go away");
}

// A 5xx reply whose enhanced code says "temporary" is still a bounce; a 4xx
// with a 5.x.x code is still deferred, with a 4.x.x status.
TEST(TroubleWording, TheReplyCodeDecidesNotTheEnhancedCode) {
  RecipientOutcome o = trouble::FromReply(kPeer, Reply(450, "450 5.7.1 greylisted"), SmtpPhase::kRcpt);
  EXPECT_EQ(o.action, DeliveryAction::kDeferred);
  EXPECT_EQ(o.enhanced, "4.0.0");
}

TEST(TroubleWording, FailuresWithoutAReply) {
  EXPECT_EQ(trouble::TimedOut(kPeer, SmtpPhase::kDot).reason,
            "conversation with mx.example[192.0.2.1] timed out while sending end of data -- message may be "
            "sent more than once");
  EXPECT_EQ(trouble::LostConnection(kPeer, SmtpPhase::kMail, "Connection reset by peer").reason,
            "lost connection with mx.example[192.0.2.1] while sending MAIL FROM: Connection reset by peer");
  const Trouble connect = trouble::ConnectFailed(kPeer, "Connection refused");
  EXPECT_EQ(connect.reason, "connect to mx.example[192.0.2.1]:25: Connection refused");
  EXPECT_EQ(connect.enhanced, "4.4.1");
  EXPECT_EQ(trouble::TlsNotOffered(kPeer).enhanced, "4.7.4");
  EXPECT_EQ(trouble::NoUsableAddress("example.com").enhanced, "4.4.4");
  // After the end of the content went out, never to another server.
  EXPECT_FALSE(trouble::Deferred(kPeer, trouble::TimedOut(kPeer, SmtpPhase::kDot), true).may_try_elsewhere);
  EXPECT_TRUE(trouble::Deferred(kPeer, trouble::TimedOut(kPeer, SmtpPhase::kRcpt), false).may_try_elsewhere);
  EXPECT_EQ(trouble::Bounced(kPeer, trouble::TooBig(kPeer, 20, 10)).action, DeliveryAction::kBounced);
}

}  // namespace
}  // namespace mxd
