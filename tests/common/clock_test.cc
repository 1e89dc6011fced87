#include "common/clock.h"

#include "gtest/gtest.h"

namespace forge {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(absl::FromUnixSeconds(1000));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1000));
  clock.Advance(absl::Seconds(5));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1005));
  clock.Set(absl::FromUnixSeconds(1));
  EXPECT_EQ(clock.Now(), absl::FromUnixSeconds(1));
}

TEST(ClockTest, RealClockIsNearAbslNow) {
  EXPECT_LT(absl::AbsDuration(Clock::Real().Now() - absl::Now()),
            absl::Seconds(5));
}

}  // namespace
}  // namespace forge
