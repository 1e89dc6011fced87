// The launcher's event loop: the epoll loop and its watches, the server's
// messages, the queue of background creations, and the shutdown that kills
// every sandbox (launcher_loop_internal.h).
#include "sandbox/launcher_loop.h"

#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>

#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/fd_passing.h"
#include "sandbox/launcher_loop_internal.h"

namespace forge::sandbox::launcher_internal {

namespace {

absl::Status SetTimer(int timer, absl::Duration first,
                      absl::Duration interval) {
  itimerspec spec{};
  spec.it_value = absl::ToTimespec(std::max(first, absl::Nanoseconds(1)));
  spec.it_interval = absl::ToTimespec(interval);
  if (::timerfd_settime(timer, 0, &spec, nullptr) != 0) {
    return LastErrorStatus("timerfd_settime");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<UniqueFd> MakeTimer(absl::Duration first,
                                   absl::Duration interval) {
  UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
  if (!timer) return LastErrorStatus("timerfd_create");
  FORGE_RETURN_IF_ERROR(SetTimer(timer.get(), first, interval));
  return timer;
}

absl::Status RestartTimer(int timer, absl::Duration first) {
  return SetTimer(timer, first, absl::ZeroDuration());
}

absl::Status LauncherLoop::Watch(int fd, WatchKind kind,
                                 SandboxState* sandbox) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    return LastErrorStatus("epoll_ctl add");
  }
  watches_[fd] = WatchEntry{kind, sandbox};
  return absl::OkStatus();
}

void LauncherLoop::Unwatch(int fd) {
  if (fd < 0) return;
  ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
  watches_.erase(fd);
}

void LauncherLoop::Reply(const std::string& message, int fd) {
  if (server_closed_) return;
  const int fds[1] = {fd};
  absl::Span<const int> attached =
      fd >= 0 ? absl::Span<const int>(fds, 1) : absl::Span<const int>();
  if (!SendMessage(server_.get(), message, attached).ok())
    server_closed_ = true;
}

int LauncherLoop::CreationTimeoutMs() const {
  if (creations_.empty()) return -1;
  const QueuedCreate& next = creations_.front();
  return BackgroundCreationWaitMs(RefillState{next.queued_at, next.ended_before,
                                              jobs_ended_, last_job_end_},
                                  absl::Now(), kRefillHold, kRefillSettle);
}

absl::Status LauncherLoop::Run() {
  epoll_.Reset(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_) return LastErrorStatus("epoll_create1");
  FORGE_RETURN_IF_ERROR(Watch(server_.get(), WatchKind::kServer, nullptr));
  epoll_event events[64];
  while (!server_closed_) {
    int count = ::epoll_wait(epoll_.get(), events, 64, CreationTimeoutMs());
    if (count < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("epoll_wait");
    }
    if (count == 0 && CreationTimeoutMs() == 0) {
      QueuedCreate next = std::move(creations_.front());
      creations_.pop_front();
      HandleCreate(next.request, std::move(next.fds));
      continue;
    }
    for (int i = 0; i < count && !server_closed_; ++i) {
      auto it = watches_.find(events[i].data.fd);
      if (it == watches_.end()) continue;  // removed earlier in this batch
      WatchEntry entry = it->second;
      switch (entry.kind) {
        case WatchKind::kServer:
          FORGE_RETURN_IF_ERROR(HandleServer());
          break;
        case WatchKind::kControl:
          HandleControl(*entry.sandbox);
          break;
        case WatchKind::kWallTimer:
          HandleWallTimer(*entry.sandbox);
          break;
        case WatchKind::kResourceTimer:
          HandleResourceTimer(*entry.sandbox);
          break;
        case WatchKind::kSeccomp:
          HandleSeccomp(*entry.sandbox, events[i].events);
          break;
        case WatchKind::kProcess:
          HandleExit(*entry.sandbox);
          break;
        case WatchKind::kAttach:
          HandleAttached(*entry.sandbox);
          break;
      }
    }
  }
  KillAllAndReap();
  return absl::OkStatus();
}

absl::Status LauncherLoop::HandleServer() {
  absl::StatusOr<ReceivedMessage> message = ReceiveMessage(server_.get());
  if (!message.ok()) {
    // Closed socket or a broken peer: either way the server is gone.
    server_closed_ = true;
    return absl::OkStatus();
  }
  absl::StatusOr<MessageType> type = PeekType(message->data);
  if (!type.ok()) return type.status();  // a protocol bug: stop loudly
  switch (*type) {
    case MessageType::kCreate: {
      FORGE_ASSIGN_OR_RETURN(CreateRequest request,
                             DecodeCreateRequest(message->data));
      // A request waits for a sandbox made on its path: that one goes now.
      if (!request.spec.background) {
        HandleCreate(request, std::move(message->fds));
      } else {
        creations_.push_back({std::move(request), std::move(message->fds),
                              absl::Now(), jobs_ended_});
      }
      return absl::OkStatus();
    }
    case MessageType::kStart: {
      FORGE_ASSIGN_OR_RETURN(StartRequest request,
                             DecodeStartRequest(message->data));
      HandleStart(request, std::move(message->fds));
      return absl::OkStatus();
    }
    case MessageType::kKill: {
      FORGE_ASSIGN_OR_RETURN(KillRequest request,
                             DecodeKillRequest(message->data));
      HandleKill(request);
      return absl::OkStatus();
    }
    default:
      return absl::InternalError("launcher: unexpected message from server");
  }
}

void LauncherLoop::KillAllAndReap() {
  for (auto& [id, sandbox] : sandboxes_) {
    KillSandbox(*sandbox, Termination::kKilled, "launcher shutting down");
  }
  for (auto& [id, sandbox] : sandboxes_) {
    siginfo_t info{};
    ::waitid(static_cast<idtype_t>(P_PIDFD), sandbox->pidfd.get(), &info,
             WEXITED);
    if (sandbox->attaching) AbandonAttach(*sandbox->attaching);
    if (sandbox->cgroup) (void)sandbox->cgroup->Destroy();
  }
  sandboxes_.clear();
}

}  // namespace forge::sandbox::launcher_internal

namespace forge::sandbox {

int BackgroundCreationWaitMs(const RefillState& refill, absl::Time now,
                             absl::Duration hold, absl::Duration settle) {
  absl::Time go = refill.queued_at + hold;
  if (refill.ends_now > refill.ends_at_queue)
    go = std::min(go, refill.last_end + settle);
  const absl::Duration left = go - now;
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      absl::ToInt64Milliseconds(absl::Ceil(left, absl::Milliseconds(1))));
}

std::vector<std::string> LauncherProtections(const LauncherOptions& options) {
  std::vector<std::string> protections = {
      "userns",       "pidns",        "mountns",  "netns",
      "ipcns",        "utsns",        "cgroupns", "pivot_root",
      "no_new_privs", "caps-dropped", "rlimits"};
  if (options.seccomp != nullptr) protections.push_back("seccomp");
  if (options.cgroups != nullptr) {
    for (const std::string& name : options.cgroups->support().ActiveNames()) {
      protections.push_back(name);
    }
  }
  return protections;
}

absl::Status RunLauncher(UniqueFd server_socket,
                         const LauncherOptions& options) {
  if (options.seccomp == nullptr)
    return absl::InvalidArgumentError("launcher needs a seccomp policy");
  launcher_internal::LauncherLoop loop(std::move(server_socket), options);
  return loop.Run();
}

}  // namespace forge::sandbox
