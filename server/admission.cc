#include "server/admission.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace forge::server {

absl::Status Admission::Request(GrantCallback granted, uint64_t* ticket) {
  {
    absl::MutexLock lock(&mutex_);
    *ticket = next_ticket_++;
    if (running_ >= max_concurrent_) {
      if (waiting_.size() >= max_queued_) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "server busy: ", running_, " executions running and ",
            waiting_.size(),
            " queued (the limit); retry after a short back-off (e.g. 1s)"));
      }
      waiting_.push_back(Waiter{*ticket, absl::Now(), std::move(granted)});
      return absl::OkStatus();
    }
    ++running_;
  }
  std::move(granted)(absl::ZeroDuration());
  return absl::OkStatus();
}

bool Admission::Cancel(uint64_t ticket) {
  absl::MutexLock lock(&mutex_);
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it) {
    if (it->ticket == ticket) {
      waiting_.erase(it);
      return true;
    }
  }
  return false;
}

void Admission::Release() {
  Waiter next;
  {
    absl::MutexLock lock(&mutex_);
    if (waiting_.empty()) {
      if (running_ > 0) --running_;
      return;
    }
    // The slot passes straight to the oldest waiter; running_ is unchanged.
    next = std::move(waiting_.front());
    waiting_.pop_front();
  }
  std::move(next.granted)(absl::Now() - next.since);
}

uint32_t Admission::running() const {
  absl::MutexLock lock(&mutex_);
  return running_;
}

uint32_t Admission::queued() const {
  absl::MutexLock lock(&mutex_);
  return static_cast<uint32_t>(waiting_.size());
}

}  // namespace forge::server
