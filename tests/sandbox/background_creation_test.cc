// When the launcher makes a queued pool refill: after the job start it
// usually precedes, or after a bounded hold.
#include "gtest/gtest.h"
#include "sandbox/launcher_loop.h"

namespace forge::sandbox {
namespace {

const absl::Time kQueued = absl::FromUnixSeconds(1000);
constexpr absl::Duration kHold = absl::Milliseconds(10);

TEST(BackgroundCreationTest, WaitsForAStartAfterItWasQueued) {
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3, kQueued, kHold), 10);
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3,
                                     kQueued + absl::Microseconds(2500), kHold),
            8);  // 7.5 ms left, rounded up
}

TEST(BackgroundCreationTest, GoesOnceAStartArrived) {
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 4, kQueued, kHold), 0);
}

TEST(BackgroundCreationTest, GoesAfterTheHoldWithoutAStart) {
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3, kQueued + kHold, kHold), 0);
  EXPECT_EQ(BackgroundCreationWaitMs(kQueued, 3, 3, kQueued + absl::Seconds(1),
                                     kHold),
            0);
}

}  // namespace
}  // namespace forge::sandbox
