// Admission control: at most `max_concurrent` executions hold a slot; up to
// `max_queued` more wait in FIFO order; beyond that a request is refused
// with RESOURCE_EXHAUSTED. Per-tenant caps plug in here later.
//
// Thread-safe. Grant callbacks run on the thread that freed the slot (or
// inline in Request when a slot is free); they must not block.
#ifndef FORGE_SERVER_ADMISSION_H_
#define FORGE_SERVER_ADMISSION_H_

#include <cstdint>
#include <deque>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace forge::server {

class Admission {
 public:
  // Called once a slot is granted, with the time spent waiting.
  using GrantCallback = absl::AnyInvocable<void(absl::Duration queued) &&>;

  Admission(uint32_t max_concurrent, uint32_t max_queued)
      : max_concurrent_(max_concurrent), max_queued_(max_queued) {}

  // Grants a slot now (calling `granted` inline), queues the request, or
  // returns RESOURCE_EXHAUSTED (with a retry hint in the message) when the
  // queue is full. On OK, `granted` will run exactly once, unless the
  // request is withdrawn with Cancel(ticket) first.
  absl::Status Request(GrantCallback granted, uint64_t* ticket);

  // Withdraws a queued request. True if it was still queued (its callback
  // will not run); false if it was already granted.
  bool Cancel(uint64_t ticket);

  // Returns a granted slot; the oldest queued request (if any) gets it.
  void Release();

  uint32_t running() const;
  uint32_t queued() const;

 private:
  struct Waiter {
    uint64_t ticket;
    absl::Time since;
    GrantCallback granted;
  };

  const uint32_t max_concurrent_;
  const uint32_t max_queued_;
  mutable absl::Mutex mutex_;
  uint32_t running_ ABSL_GUARDED_BY(mutex_) = 0;
  uint64_t next_ticket_ ABSL_GUARDED_BY(mutex_) = 1;
  std::deque<Waiter> waiting_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace forge::server

#endif  // FORGE_SERVER_ADMISSION_H_
