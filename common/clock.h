// Clock is the one source of time for code that has to be testable: real
// code takes a `Clock&`, tests pass a FakeClock they advance by hand.
#ifndef FORGE_COMMON_CLOCK_H_
#define FORGE_COMMON_CLOCK_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace forge {

// Thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time (for timestamps in records and tokens).
  virtual absl::Time Now() const = 0;

  // The process-wide real clock. Never null; lives forever.
  static Clock& Real();
};

// A clock that moves only when told. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::UnixEpoch() +
                                        absl::Hours(24 * 365 * 50))
      : now_(start) {}
  absl::Time Now() const override;
  void Advance(absl::Duration by);
  void Set(absl::Time to);

 private:
  mutable absl::Mutex mutex_;
  absl::Time now_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace forge

#endif  // FORGE_COMMON_CLOCK_H_
