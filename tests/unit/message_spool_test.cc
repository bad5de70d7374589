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
    std::string all, buffer;
    absl::string_view chunk;
    for (uint64_t offset = 0;; offset += chunk.size()) {
      EXPECT_TRUE(s.Read(offset, piece, &buffer, &chunk));
      if (chunk.empty()) return all;
      all.append(chunk.data(), chunk.size());
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

// A message that arrives whole is kept as it came: what the sessions read
// is the caller's buffer itself, not a copy of it.
TEST_F(MessageSpoolTest, AWholeMessageIsKeptWithoutACopy) {
  ByteBudget budget(10000);
  const SpoolPlace place{dir_, 1000, &budget};
  auto a = MessageSpool::Create(place, 600);
  ASSERT_TRUE(a.ok()) << a.status();
  std::string whole(600, 'a');
  const char* const original = whole.data();
  ASSERT_TRUE((*a)->AppendOwned(std::move(whole)).ok());
  std::string buffer;
  absl::string_view view;
  ASSERT_TRUE((*a)->Read(100, 50, &buffer, &view));
  EXPECT_EQ(view.data(), original + 100);
  EXPECT_EQ(view, std::string(50, 'a'));
  EXPECT_TRUE(buffer.empty());  // nothing was copied into it
  EXPECT_FALSE((*a)->saw_8bit());
  EXPECT_FALSE((*a)->AppendOwned("x").ok());  // beyond the declared size

  // In parts, or into a file, it is copied as before, with the same checks.
  auto b = MessageSpool::Create(place, 10);
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->AppendOwned("hello").ok());
  ASSERT_TRUE((*b)->AppendOwned(std::string("w\xf6rld")).ok());
  EXPECT_TRUE((*b)->saw_8bit());
  EXPECT_EQ(ReadAll(**b, 3), "hellow\xf6rld");
  auto c = MessageSpool::Create(place, 5000);  // over the message limit: a file
  ASSERT_TRUE(c.ok());
  ASSERT_FALSE((*c)->in_memory());
  ASSERT_TRUE((*c)->AppendOwned(std::string(5000, 'f')).ok());
  EXPECT_EQ(ReadAll(**c, 4096), std::string(5000, 'f'));
}

// The 8-bit scan reads eight octets at a time: a high bit anywhere counts,
// in the words and in the tail alike.
TEST_F(MessageSpoolTest, AHighBitAnywhereIsSeen) {
  for (size_t size : {1u, 7u, 8u, 9u, 63u, 64u, 65u}) {
    for (size_t at = 0; at < size; ++at) {
      auto s = MessageSpool::Create(SpoolPlace{dir_, 100, nullptr}, size);
      ASSERT_TRUE(s.ok());
      std::string text(size, 'q');
      text[at] = '\x80';
      ASSERT_TRUE((*s)->Append(text).ok());
      EXPECT_TRUE((*s)->saw_8bit()) << size << " " << at;
    }
    auto clean = MessageSpool::Create(SpoolPlace{dir_, 100, nullptr}, size);
    ASSERT_TRUE(clean.ok());
    ASSERT_TRUE((*clean)->Append(std::string(size, '\x7f')).ok());
    EXPECT_FALSE((*clean)->saw_8bit()) << size;
  }
}

}  // namespace
}  // namespace mxd
