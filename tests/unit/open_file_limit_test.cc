#include "common/net/open_file_limit.h"

#include <sys/resource.h>

#include "gtest/gtest.h"

namespace mxd {
namespace {

struct rlimit Current() {
  struct rlimit rl;
  EXPECT_EQ(getrlimit(RLIMIT_NOFILE, &rl), 0);
  return rl;
}

uint64_t AsReturned(rlim_t limit) { return limit == RLIM_INFINITY ? UINT64_MAX : limit; }

// Each test puts the process's limit back as it found it.
class OpenFileLimit : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_EQ(setrlimit(RLIMIT_NOFILE, &before_), 0); }
  const struct rlimit before_ = Current();
};

TEST_F(OpenFileLimit, SoftLimitIsRaisedToTheHardLimit) {
  struct rlimit lowered = before_;
  lowered.rlim_cur = before_.rlim_max < 32 ? before_.rlim_max : 32;
  ASSERT_EQ(setrlimit(RLIMIT_NOFILE, &lowered), 0);
  EXPECT_EQ(RaiseOpenFileLimit(), AsReturned(before_.rlim_max));
  EXPECT_EQ(Current().rlim_cur, before_.rlim_max);
}

TEST_F(OpenFileLimit, AtTheHardLimitAlreadyItStaysThere) {
  RaiseOpenFileLimit();
  EXPECT_EQ(RaiseOpenFileLimit(), AsReturned(before_.rlim_max));
  EXPECT_EQ(Current().rlim_cur, before_.rlim_max);
  EXPECT_EQ(Current().rlim_max, before_.rlim_max);
}

}  // namespace
}  // namespace mxd
