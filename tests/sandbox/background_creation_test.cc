// When the launcher makes a queued pool refill: after the end of the job it
// usually precedes, or after a bounded hold.
#include "gtest/gtest.h"
#include "sandbox/launcher_loop.h"

namespace forge::sandbox {
namespace {

const absl::Time kQueued = absl::FromUnixSeconds(1000);
constexpr absl::Duration kHold = absl::Milliseconds(10);

TEST(BackgroundCreationTest, WaitsForAJobToEndAfterItWasQueued) {
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3, kQueued, kHold), 10);
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3,
                                     kQueued + absl::Microseconds(2500), kHold),
            8);  // 7.5 ms left, rounded up
}

TEST(BackgroundCreationTest, GoesOnceAJobEnded) {
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 4, kQueued, kHold), 0);
}

TEST(BackgroundCreationTest, GoesAfterTheHoldWithoutAnEnd) {
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3, kQueued + kHold, kHold), 0);
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3, kQueued + absl::Seconds(1),
                                     kHold),
            0);
}

}  // namespace
}  // namespace forge::sandbox
