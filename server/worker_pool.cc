#include "server/worker_pool.h"

#include <fcntl.h>
#include <unistd.h>

#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/job_payload.h"

namespace forge::server {
namespace {

// A runtime whose creation failed is not refilled again before this.
constexpr absl::Duration kRetryDelay = absl::Seconds(1);
// How long the destructor waits for creations in flight.
constexpr absl::Duration kShutdownWait = absl::Seconds(5);

absl::Status MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return absl::OkStatus();
}

absl::Status WriteAt(int fd, absl::string_view data) {
  off_t offset = 0;
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), offset);
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("write stdin memfd");
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += n;
  }
  return absl::OkStatus();
}

// A sandbox whose launcher died cannot run a job (fake factories make
// sandboxes without a launcher: those never die).
bool Lost(const ReadySandbox& ready) {
  return ready.sandbox != nullptr && !ready.sandbox->launcher_alive();
}

}  // namespace

WorkerPool::WorkerPool(SandboxFactory& factory,
                       std::vector<PoolRuntime> runtimes,
                       PoolObserver* observer, uint32_t max_in_flight)
    : factory_(factory),
      observer_(observer),
      max_in_flight_(std::max<uint32_t>(max_in_flight, 1)) {
  absl::MutexLock lock(&mutex_);
  for (PoolRuntime& runtime : runtimes) {
    std::string name = runtime.name;
    runtimes_[name].config = std::move(runtime);
  }
}

WorkerPool::~WorkerPool() {
  Shutdown();
  absl::MutexLock lock(&mutex_);
  mutex_.AwaitWithTimeout(
      absl::Condition(
          +[](uint32_t* in_flight) { return *in_flight == 0; }, &in_flight_),
      kShutdownWait);
}

void WorkerPool::Start() {
  std::vector<Creation> creations;
  {
    absl::MutexLock lock(&mutex_);
    started_ = true;
    creations = PlanRefillsLocked();
  }
  StartCreations(std::move(creations));
}

std::vector<WorkerPool::Creation> WorkerPool::PlanRefillsLocked() {
  std::vector<Creation> creations;
  if (!started_ || shut_down_) return creations;
  const absl::Time now = absl::Now();
  // Round-robin, one creation per runtime per round, so one large pool does
  // not starve the others.
  bool progress = true;
  while (progress && in_flight_ < max_in_flight_) {
    progress = false;
    for (auto& [name, state] : runtimes_) {
      if (in_flight_ >= max_in_flight_) break;
      if (state.ready.size() + state.creating >= state.config.size) continue;
      if (now < state.retry_after) continue;
      ++state.creating;
      ++in_flight_;
      creations.push_back(Creation{name, state.config.warm});
      progress = true;
    }
  }
  return creations;
}

void WorkerPool::StartCreations(std::vector<Creation> creations) {
  for (Creation& creation : creations) {
    const absl::Time started = absl::Now();
    std::string runtime = creation.runtime;
    factory_.Create(creation.runtime, creation.warm, /*background=*/true, {},
                    [this, runtime = std::move(runtime),
                     started](absl::StatusOr<ReadySandbox> created) {
                      OnCreated(runtime, started, std::move(created));
                    });
  }
}

void WorkerPool::OnCreated(const std::string& runtime, absl::Time started,
                           absl::StatusOr<ReadySandbox> created) {
  std::optional<ReadySandbox> discard;
  std::vector<Creation> creations;
  std::optional<uint32_t> ready_now;
  const bool ok = created.ok();
  {
    absl::MutexLock lock(&mutex_);
    --in_flight_;
    RuntimeState& state = runtimes_[runtime];
    --state.creating;
    if (!ok) {
      state.retry_after = absl::Now() + kRetryDelay;
    } else if (shut_down_ || state.ready.size() >= state.config.size ||
               Lost(*created)) {
      discard = std::move(*created);
    } else {
      state.ready.push_back(std::move(*created));
      ready_now = static_cast<uint32_t>(state.ready.size());
    }
    creations = PlanRefillsLocked();
  }
  if (observer_ != nullptr) {
    observer_->PoolRefilled(runtime, absl::Now() - started, ok);
    if (ready_now) observer_->PoolReady(runtime, *ready_now);
  }
  discard.reset();  // destroyed outside the lock
  StartCreations(std::move(creations));
}

void WorkerPool::Acquire(const std::string& runtime, AcquireOptions options,
                         AcquireCallback done) {
  const bool fresh_only = !options.extra_binds.empty();
  std::optional<ReadySandbox> taken;
  std::vector<ReadySandbox> lost;  // destroyed outside the lock
  std::vector<Creation> creations;
  bool shut_down = false;
  bool known = false;
  bool warm_runtime = false;
  uint32_t ready_now = 0;
  {
    absl::MutexLock lock(&mutex_);
    shut_down = shut_down_;
    auto it = runtimes_.find(runtime);
    if (!shut_down && it != runtimes_.end()) {
      known = true;
      RuntimeState& state = it->second;
      warm_runtime = state.config.warm;
      while (!state.ready.empty() && Lost(state.ready.front())) {
        lost.push_back(std::move(state.ready.front()));
        state.ready.pop_front();
      }
      if (!state.ready.empty() && !fresh_only &&
          (options.allow_warm || !warm_runtime)) {
        taken = std::move(state.ready.front());
        state.ready.pop_front();
      }
      ready_now = static_cast<uint32_t>(state.ready.size());
      creations = PlanRefillsLocked();
    }
  }
  lost.clear();
  StartCreations(std::move(creations));
  if (shut_down) {
    std::move(done)(absl::UnavailableError("the sandbox pool is shut down"));
    return;
  }
  if (!known) {
    std::move(done)(
        absl::NotFoundError(absl::StrCat("no pool for runtime ", runtime)));
    return;
  }
  if (taken) {
    if (observer_ != nullptr) {
      observer_->PoolReady(runtime, ready_now);
      observer_->PoolAcquired(runtime, PoolObserver::Source::kPool,
                              warm_runtime, taken->warm);
    }
    std::move(done)(std::move(*taken));
    return;
  }
  if (observer_ != nullptr) {
    observer_->PoolAcquired(runtime, PoolObserver::Source::kRequestPath,
                            warm_runtime, /*warm=*/false);
  }
  // A burst (or a job that must start its own interpreter): a fresh cold
  // sandbox, never a used one.
  factory_.Create(runtime, /*warm=*/false, /*background=*/false,
                  std::move(options.extra_binds), std::move(done));
}

void WorkerPool::DiscardLost() {
  std::vector<ReadySandbox> lost;
  std::vector<std::pair<std::string, uint32_t>> ready_now;
  std::vector<Creation> creations;
  {
    absl::MutexLock lock(&mutex_);
    for (auto& [name, state] : runtimes_) {
      std::deque<ReadySandbox> kept;
      for (ReadySandbox& ready : state.ready) {
        if (Lost(ready)) {
          lost.push_back(std::move(ready));
        } else {
          kept.push_back(std::move(ready));
        }
      }
      state.ready = std::move(kept);
      state.retry_after = absl::InfinitePast();
      ready_now.emplace_back(name, static_cast<uint32_t>(state.ready.size()));
    }
    creations = PlanRefillsLocked();
  }
  lost.clear();
  if (observer_ != nullptr) {
    for (const auto& [name, count] : ready_now)
      observer_->PoolReady(name, count);
  }
  StartCreations(std::move(creations));
}

uint32_t WorkerPool::ready(const std::string& runtime) const {
  absl::MutexLock lock(&mutex_);
  auto it = runtimes_.find(runtime);
  return it == runtimes_.end() ? 0
                               : static_cast<uint32_t>(it->second.ready.size());
}

bool WorkerPool::warm(const std::string& runtime) const {
  absl::MutexLock lock(&mutex_);
  auto it = runtimes_.find(runtime);
  return it != runtimes_.end() && it->second.config.warm &&
         it->second.config.size > 0;
}

void WorkerPool::Shutdown() {
  std::vector<ReadySandbox> discard;
  std::vector<std::string> emptied;
  {
    absl::MutexLock lock(&mutex_);
    if (shut_down_) return;
    shut_down_ = true;
    for (auto& [name, state] : runtimes_) {
      for (ReadySandbox& ready : state.ready)
        discard.push_back(std::move(ready));
      state.ready.clear();
      emptied.push_back(name);
    }
  }
  discard.clear();  // each destroyed sandbox is killed by the launcher
  if (observer_ != nullptr) {
    for (const std::string& name : emptied) observer_->PoolReady(name, 0);
  }
}

absl::StatusOr<JobStdio> TakeJobStdio(ReadySandbox& sandbox,
                                      absl::string_view stdin_data) {
  JobStdio stdio;
  if (sandbox.warm) {
    if (!sandbox.stdin_memfd || !sandbox.stdout_read || !sandbox.stderr_read)
      return absl::FailedPreconditionError("warm sandbox without its stdio");
    // The program's own descriptor is a separate read-only open of this
    // memfd at offset 0; it reads nothing before the job is delivered.
    FORGE_RETURN_IF_ERROR(WriteAt(sandbox.stdin_memfd.get(), stdin_data));
    if (::fcntl(sandbox.stdin_memfd.get(), F_ADD_SEALS,
                F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
        0) {
      return LastErrorStatus("seal stdin memfd");
    }
    sandbox.stdin_memfd.Reset();
    stdio.stdout_read = std::move(sandbox.stdout_read);
    stdio.stderr_read = std::move(sandbox.stderr_read);
    return stdio;
  }
  FORGE_ASSIGN_OR_RETURN(stdio.program_stdin,
                         sandbox::MakeReadOnlyMemfd("forge-stdin", stdin_data));
  FORGE_RETURN_IF_ERROR(MakePipe(stdio.stdout_read, stdio.program_stdout));
  FORGE_RETURN_IF_ERROR(MakePipe(stdio.stderr_read, stdio.program_stderr));
  return stdio;
}

}  // namespace forge::server
