#include "server/output_pump.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "absl/time/clock.h"
#include "common/errno_status.h"

namespace forge::server {
namespace {
constexpr uint64_t kWakeHandle = 0;
}  // namespace

absl::StatusOr<std::unique_ptr<OutputPump>> OutputPump::Create() {
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return LastErrorStatus("epoll_create1");
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return LastErrorStatus("eventfd");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = kWakeHandle;
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &event) != 0) {
    return LastErrorStatus("epoll_ctl wake");
  }
  std::unique_ptr<OutputPump> pump(
      new OutputPump(std::move(epoll), std::move(wake)));
  pump->thread_ = std::thread([raw = pump.get()] { raw->Loop(); });
  return pump;
}

OutputPump::OutputPump(UniqueFd epoll, UniqueFd wake)
    : epoll_(std::move(epoll)), wake_(std::move(wake)) {}

OutputPump::~OutputPump() {
  stopping_.store(true);
  Kick();
  if (thread_.joinable()) thread_.join();
}

void OutputPump::Kick() {
  uint64_t one = 1;
  (void)!::write(wake_.get(), &one, sizeof(one));
}

void OutputPump::ScheduleIdle(uint64_t handle, absl::Time when) {
  bool earlier;
  {
    absl::MutexLock lock(&mutex_);
    auto it = pipes_.find(handle);
    if (it == pipes_.end()) return;
    it->second.idle_at = when;
    earlier = when < next_idle_;
    if (earlier) next_idle_ = when;
  }
  if (earlier) Kick();
}

void OutputPump::CancelIdle(uint64_t handle) {
  absl::MutexLock lock(&mutex_);
  auto it = pipes_.find(handle);
  if (it != pipes_.end()) it->second.idle_at = absl::InfiniteFuture();
}

void OutputPump::FireIdle() {
  struct Due {
    std::shared_ptr<UniqueFd> fd;
    int tag;
    std::shared_ptr<PipeListener> listener;
  };
  std::vector<Due> due;
  {
    absl::MutexLock lock(&mutex_);
    const absl::Time now = absl::Now();
    if (next_idle_ > now) return;  // nothing due: no scan
    next_idle_ = absl::InfiniteFuture();
    for (auto& [handle, pipe] : pipes_) {
      if (pipe.idle_at <= now) {
        pipe.idle_at = absl::InfiniteFuture();
        due.push_back(Due{pipe.fd, pipe.tag, pipe.listener});
      } else if (pipe.idle_at < next_idle_) {
        next_idle_ = pipe.idle_at;
      }
    }
  }
  for (Due& pipe : due) {
    // A pipe with bytes (or its end) still unread has not gone quiet: its
    // output waits on us (a write in flight keeps it disarmed), not on the
    // program. Its next read decides again.
    pollfd readable{pipe.fd->get(), POLLIN, 0};
    if (::poll(&readable, 1, 0) > 0) continue;
    pipe.listener->OnPipeIdle(pipe.tag);
  }
}

absl::StatusOr<uint64_t> OutputPump::Add(
    UniqueFd fd, int tag, std::shared_ptr<PipeListener> listener) {
  int flags = ::fcntl(fd.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return LastErrorStatus("make pipe non-blocking");
  }
  absl::MutexLock lock(&mutex_);
  const uint64_t handle = next_handle_++;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.u64 = handle;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd.get(), &event) != 0) {
    return LastErrorStatus("epoll_ctl add pipe");
  }
  pipes_.emplace(handle, Pipe{std::make_shared<UniqueFd>(std::move(fd)), tag,
                              std::move(listener)});
  return handle;
}

void OutputPump::Arm(uint64_t handle) {
  absl::MutexLock lock(&mutex_);
  auto it = pipes_.find(handle);
  if (it == pipes_.end()) return;
  epoll_event event{};
  event.events = EPOLLIN | EPOLLONESHOT;
  event.data.u64 = handle;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, it->second.fd->get(), &event);
}

void OutputPump::Remove(uint64_t handle) {
  Pipe removed;
  {
    absl::MutexLock lock(&mutex_);
    auto it = pipes_.find(handle);
    if (it == pipes_.end()) return;
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, it->second.fd->get(), nullptr);
    removed = std::move(it->second);
    pipes_.erase(it);
  }
  // `removed` (fd and listener reference) is released outside the lock.
}

void OutputPump::Loop() {
  epoll_event events[64];
  while (!stopping_.load()) {
    int timeout_ms = -1;
    {
      absl::MutexLock lock(&mutex_);
      if (next_idle_ != absl::InfiniteFuture()) {
        // Rounded up so a deadline is never fired early.
        timeout_ms = static_cast<int>(std::max<int64_t>(
            0, absl::ToInt64Microseconds(next_idle_ - absl::Now()) / 1000 + 1));
      }
    }
    int count = ::epoll_wait(epoll_.get(), events, 64, timeout_ms);
    if (count < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < count; ++i) {
      if (events[i].data.u64 == kWakeHandle) {
        uint64_t drained;
        (void)!::read(wake_.get(), &drained, sizeof(drained));
        continue;
      }
      ReadOne(events[i].data.u64);
    }
    FireIdle();
  }
}

void OutputPump::ReadOne(uint64_t handle) {
  std::shared_ptr<UniqueFd> fd;
  int tag;
  std::shared_ptr<PipeListener> listener;
  {
    absl::MutexLock lock(&mutex_);
    auto it = pipes_.find(handle);
    if (it == pipes_.end()) return;  // removed after the event was queued
    fd = it->second.fd;
    tag = it->second.tag;
    listener = it->second.listener;
  }
  char buffer[kChunkBytes];
  ssize_t n;
  do {
    n = ::read(fd->get(), buffer, sizeof(buffer));
  } while (n < 0 && errno == EINTR);
  if (n > 0) {
    listener->OnPipeData(tag,
                         absl::string_view(buffer, static_cast<size_t>(n)));
    return;
  }
  if (n < 0 && errno == EAGAIN) {
    Arm(handle);  // spurious wake-up
    return;
  }
  bool was_registered;
  {
    absl::MutexLock lock(&mutex_);
    was_registered = pipes_.contains(handle);
  }
  Remove(handle);
  if (was_registered) listener->OnPipeClosed(tag);
}

}  // namespace forge::server
