// Where a message is kept while it is delivered: small ones in memory within
// delivery_memory_spool_size_limit, the rest in an unlinked spool file.
#include "delivery-svc/engine/message_spool.h"

#include <stdlib.h>
#include <unistd.h>

#include <string>

#include "gtest/gtest.h"

namespace mxd {
namespace {

class MessageSpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/mxd-spool-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
  }
  void TearDown() override { rmdir(dir_.c_str()); }

  static std::string ReadAll(const MessageSpool& s, size_t piece) {
    std::string all, chunk;
    for (uint64_t offset = 0;; offset += chunk.size()) {
      EXPECT_TRUE(s.Read(offset, piece, &chunk));
      if (chunk.empty()) return all;
      all += chunk;
    }
  }

  std::string dir_;
};

TEST_F(MessageSpoolTest, SmallMessagesInMemoryWithinTheBudget) {
  ByteBudget budget(1000);
  const SpoolPlace place{dir_, 600, &budget};
  auto a = MessageSpool::Create(place, 600);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_TRUE((*a)->in_memory());
  EXPECT_EQ(budget.in_use(), 600u);
  ASSERT_TRUE((*a)->Append(std::string(300, 'a')).ok());
  ASSERT_TRUE((*a)->Append(std::string(300, '\xe9')).ok());
  EXPECT_TRUE((*a)->saw_8bit());
  EXPECT_EQ(ReadAll(**a, 7), std::string(300, 'a') + std::string(300, '\xe9'));
  EXPECT_FALSE((*a)->Append("x").ok());  // beyond the declared size

  auto b = MessageSpool::Create(place, 500);  // 600 + 500 > 1000: a file
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_FALSE((*b)->in_memory());
  auto c = MessageSpool::Create(place, 601);  // larger than the message limit: a file
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_FALSE((*c)->in_memory());
  EXPECT_EQ(budget.in_use(), 600u);
  ASSERT_TRUE((*b)->Append("hello\r\n").ok());
  EXPECT_EQ(ReadAll(**b, 3), "hello\r\n");
  EXPECT_FALSE((*b)->saw_8bit());

  a->reset();
  EXPECT_EQ(budget.in_use(), 0u);  // given back with the message
  auto d = MessageSpool::Create(place, 500);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE((*d)->in_memory());
}

TEST_F(MessageSpoolTest, WithoutABudgetEveryMessageIsAFile) {
  auto s = MessageSpool::Create(SpoolPlace{dir_}, 10);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_FALSE((*s)->in_memory());
  auto bad = MessageSpool::Create(SpoolPlace{dir_ + "/missing"}, 10);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cannot create a spool file in"), std::string::npos);
}

}  // namespace
}  // namespace mxd
