#include "delivery-svc/smtp_trouble.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace mxd
