// When the launcher makes a queued pool refill: shortly after the end of
// the job it usually precedes, or after a bounded hold.
#include "gtest/gtest.h"
#include "sandbox/launcher_loop.h"

namespace forge::sandbox {
namespace {

const absl::Time kQueued = absl::FromUnixSeconds(1000);
constexpr absl::Duration kHold = absl::Milliseconds(10);
constexpr absl::Duration kSettle = absl::Milliseconds(2);

RefillState NoEndYet() { return {kQueued, 3, 3, kQueued - absl::Seconds(1)}; }
RefillState EndedAt(absl::Time end) { return {kQueued, 3, 4, end}; }

TEST(BackgroundCreationTest, WaitsForAJobToEndAfterItWasQueued) {
  EXPECT_EQ(BackgroundCreationWaitMs(NoEndYet(), kQueued, kHold, kSettle), 10);
  EXPECT_EQ(BackgroundCreationWaitMs(
                NoEndYet(), kQueued + absl::Microseconds(2500), kHold, kSettle),
            8);  // 7.5 ms left, rounded up
}

TEST(BackgroundCreationTest, GoesShortlyAfterAJobEnded) {
  const absl::Time end = kQueued + absl::Milliseconds(3);
  EXPECT_EQ(BackgroundCreationWaitMs(EndedAt(end), end, kHold, kSettle), 2);
  EXPECT_EQ(
      BackgroundCreationWaitMs(EndedAt(end), end + kSettle, kHold, kSettle), 0);
}

TEST(BackgroundCreationTest, NeverWaitsPastTheHold) {
  EXPECT_EQ(
      BackgroundCreationWaitMs(NoEndYet(), kQueued + kHold, kHold, kSettle), 0);
  const absl::Time late_end = kQueued + absl::Microseconds(9500);
  EXPECT_EQ(
      BackgroundCreationWaitMs(EndedAt(late_end), late_end, kHold, kSettle),
      1);  // 0.5 ms left of the hold, rounded up
  EXPECT_EQ(BackgroundCreationWaitMs(NoEndYet(), kQueued + absl::Seconds(1),
                                     kHold, kSettle),
            0);
}

}  // namespace
}  // namespace forge::sandbox
