#include "server/launcher_supervisor.h"

#include <string.h>
#include <sys/wait.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/fmt_absl.h"

namespace forge::server {
namespace {

std::string DescribeWaitStatus(int status) {
  if (WIFSIGNALED(status)) {
    return absl::StrCat("killed by signal ", WTERMSIG(status), " (",
                        ::strsignal(WTERMSIG(status)), ")");
  }
  if (WIFEXITED(status)) {
    return absl::StrCat("exited with status ", WEXITSTATUS(status));
  }
  return absl::StrCat("wait status ", status);
}

}  // namespace

LauncherSupervisor::LauncherSupervisor(LauncherSupervisorOptions options,
                                       std::shared_ptr<spdlog::logger> log)
    : options_(std::move(options)), log_(std::move(log)) {}

absl::StatusOr<std::unique_ptr<LauncherSupervisor>> LauncherSupervisor::Start(
    LauncherSupervisorOptions options, std::shared_ptr<spdlog::logger> log) {
  std::unique_ptr<LauncherSupervisor> supervisor(
      new LauncherSupervisor(std::move(options), std::move(log)));
  absl::StatusOr<std::shared_ptr<sandbox::LauncherClient>> first =
      supervisor->StartLauncher();
  if (!first.ok()) return first.status();
  {
    absl::MutexLock lock(&supervisor->mutex_);
    supervisor->current_ = std::move(*first);
    supervisor->current_started_ = absl::Now();
  }
  supervisor->thread_ =
      std::thread([raw = supervisor.get()] { raw->SuperviseLoop(); });
  return supervisor;
}

LauncherSupervisor::~LauncherSupervisor() {
  // The launcher goes first (it kills its sandboxes and removes their
  // cgroups), the thread after: a launcher the thread restarted has it as
  // parent thread and would die with it (PR_SET_PDEATHSIG) before cleaning
  // up.
  StopLauncher();
  {
    absl::MutexLock lock(&mutex_);
    exiting_ = true;
  }
  if (thread_.joinable()) thread_.join();
  StopLauncher();  // one a restart racing the shutdown may have left
}

void LauncherSupervisor::StopLauncher() {
  Shutdown();
  std::shared_ptr<sandbox::LauncherClient> last;
  {
    absl::MutexLock lock(&mutex_);
    last = std::move(current_);
  }
  if (last == nullptr) return;
  const pid_t pid = last->launcher_pid();
  const int status = last->Stop();
  log_->info("event=launcher_stopped pid={} exit=\"{}\"", pid,
             DescribeWaitStatus(status));
}

absl::StatusOr<std::shared_ptr<sandbox::LauncherClient>>
LauncherSupervisor::StartLauncher() {
  absl::StatusOr<std::unique_ptr<sandbox::LauncherClient>> client =
      sandbox::LauncherClient::Start(options_.launcher_path, options_.args,
                                     [this] { OnLost(); });
  if (!client.ok()) return client.status();
  return std::shared_ptr<sandbox::LauncherClient>(std::move(*client));
}

void LauncherSupervisor::OnLost() {
  absl::MutexLock lock(&mutex_);
  lost_ = true;
}

bool LauncherSupervisor::LostOrExiting() const { return lost_ || exiting_; }

bool LauncherSupervisor::SleepUnlessStopping(absl::Duration duration) {
  absl::MutexLock lock(&mutex_);
  mutex_.AwaitWithTimeout(absl::Condition(&stopping_), duration);
  return !stopping_;
}

void LauncherSupervisor::SuperviseLoop() {
  absl::Duration backoff = options_.initial_backoff;
  while (true) {
    std::shared_ptr<sandbox::LauncherClient> dead;
    absl::Duration up_for;
    {
      absl::MutexLock lock(&mutex_);
      mutex_.Await(absl::Condition(this, &LauncherSupervisor::LostOrExiting));
      if (exiting_) return;
      lost_ = false;
      dead = std::move(current_);
      up_for = absl::Now() - current_started_;
    }
    if (dead) {
      // Create calls still holding it finish at once (the connection is
      // dead); the last reference is dropped here, never on its reader
      // thread.
      while (dead.use_count() > 1) absl::SleepFor(absl::Milliseconds(1));
      const pid_t pid = dead->launcher_pid();
      const int status = dead->Stop();
      dead.reset();
      log_->error(
          "event=launcher_lost pid={} cause=\"{}\" up_ms={} "
          "detail=\"its running jobs end with OUTCOME_INTERNAL_ERROR; its "
          "sandboxes died with it\"",
          pid, DescribeWaitStatus(status), absl::ToInt64Milliseconds(up_for));
      if (up_for >= options_.stable_after) backoff = options_.initial_backoff;
    }
    // Shutting down: no restart; the thread stays until destruction.
    if (Stopping()) continue;
    log_->warn("event=launcher_restarting backoff_ms={}",
               absl::ToInt64Milliseconds(backoff));
    if (!SleepUnlessStopping(backoff)) continue;
    backoff = std::min(backoff * 2, options_.max_backoff);
    absl::StatusOr<std::shared_ptr<sandbox::LauncherClient>> started =
        StartLauncher();
    if (!started.ok()) {
      log_->error("event=launcher_restart_failed error=\"{}\"",
                  started.status().message());
      absl::MutexLock lock(&mutex_);
      lost_ = true;  // try again after the next backoff
      continue;
    }
    const pid_t pid = (*started)->launcher_pid();
    uint64_t restarts = 0;
    {
      absl::MutexLock lock(&mutex_);
      current_ = std::move(*started);
      current_started_ = absl::Now();
      restarts = ++restarts_;
    }
    log_->warn("event=launcher_restarted pid={} restarts={}", pid, restarts);
    absl::MutexLock hook(&hook_mutex_);
    if (options_.on_restart && !Stopping()) options_.on_restart(pid);
  }
}

std::shared_ptr<sandbox::LauncherClient> LauncherSupervisor::Current(
    sandbox::LauncherClient::CreatedCallback& done) {
  std::shared_ptr<sandbox::LauncherClient> client;
  {
    absl::MutexLock lock(&mutex_);
    client = current_;
  }
  if (client == nullptr) {
    std::move(done)(absl::UnavailableError(
        "the sandbox launcher died and is being restarted"));
  }
  return client;
}

void LauncherSupervisor::Create(const sandbox::SandboxSpec& spec,
                                sandbox::LauncherClient::CreatedCallback done) {
  if (auto client = Current(done)) client->Create(spec, std::move(done));
}

void LauncherSupervisor::CreateWarm(
    const sandbox::SandboxSpec& spec, sandbox::LauncherClient::WarmStdio stdio,
    sandbox::LauncherClient::CreatedCallback done) {
  if (auto client = Current(done)) {
    client->CreateWarm(spec, std::move(stdio), std::move(done));
  }
}

pid_t LauncherSupervisor::launcher_pid() const {
  absl::MutexLock lock(&mutex_);
  return current_ != nullptr && current_->alive() ? current_->launcher_pid()
                                                  : -1;
}

uint64_t LauncherSupervisor::restarts() const {
  absl::MutexLock lock(&mutex_);
  return restarts_;
}

bool LauncherSupervisor::Stopping() const {
  absl::MutexLock lock(&mutex_);
  return stopping_;
}

void LauncherSupervisor::Shutdown() {
  {
    absl::MutexLock lock(&mutex_);
    stopping_ = true;
  }
  // Waits for an on_restart under way; later ones see stopping_.
  absl::MutexLock hook(&hook_mutex_);
}

}  // namespace forge::server
