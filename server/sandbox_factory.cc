#include "server/sandbox_factory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "common/errno_status.h"

namespace forge::server {
namespace {

absl::Status MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return absl::OkStatus();
}

// The warm program's stdio; `ready` keeps the server's ends.
absl::StatusOr<sandbox::LauncherClient::WarmStdio> MakeWarmStdio(
    ReadySandbox& ready) {
  sandbox::LauncherClient::WarmStdio stdio;
  ready.stdin_memfd.Reset(
      ::memfd_create("forge-stdin", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!ready.stdin_memfd) return LastErrorStatus("memfd_create");
  // A separate open file description: read-only, its own offset 0.
  stdio.stdin_fd.Reset(
      ::open(absl::StrCat("/proc/self/fd/", ready.stdin_memfd.get()).c_str(),
             O_RDONLY | O_CLOEXEC));
  if (!stdio.stdin_fd) return LastErrorStatus("reopen stdin memfd");
  absl::Status piped = MakePipe(ready.stdout_read, stdio.stdout_fd);
  if (piped.ok()) piped = MakePipe(ready.stderr_read, stdio.stderr_fd);
  if (!piped.ok()) return piped;
  return stdio;
}

}  // namespace

std::string NewSandboxId() {
  static absl::Mutex* const mutex = new absl::Mutex();
  static absl::BitGen* const bits = new absl::BitGen();
  absl::MutexLock lock(mutex);
  return absl::StrFormat("sb_%016x%08x", absl::Uniform<uint64_t>(*bits),
                         absl::Uniform<uint32_t>(*bits));
}

void LauncherSandboxFactory::Create(const std::string& runtime, bool warm,
                                    bool background,
                                    std::vector<sandbox::BindMount> extra_binds,
                                    Done done) {
  const RuntimeInfo* info = runtimes_.Find(runtime);
  if (info == nullptr) {
    std::move(done)(absl::NotFoundError(absl::StrCat("no runtime ", runtime)));
    return;
  }
  sandbox::SandboxSpec spec = runtimes_.SandboxSpecFor(*info, NewSandboxId());
  for (sandbox::BindMount& bind : extra_binds)
    spec.binds.push_back(std::move(bind));
  spec.background = background;
  std::optional<sandbox::WarmStart> warm_start;
  if (warm) warm_start = runtimes_.WarmStartFor(*info);
  auto ready = std::make_shared<ReadySandbox>();
  ready->id = spec.sandbox_id;
  auto deliver =
      [ready, done = std::move(done)](
          absl::StatusOr<std::unique_ptr<sandbox::Sandbox>> created) mutable {
        if (!created.ok()) {
          std::move(done)(created.status());
          return;
        }
        ready->sandbox = std::move(*created);
        std::move(done)(std::move(*ready));
      };
  if (!warm_start) {
    launcher_.Create(spec, std::move(deliver));
    return;
  }
  spec.warm = std::move(*warm_start);
  absl::StatusOr<sandbox::LauncherClient::WarmStdio> stdio =
      MakeWarmStdio(*ready);
  if (!stdio.ok()) {
    deliver(stdio.status());
    return;
  }
  ready->warm = true;
  launcher_.CreateWarm(spec, std::move(*stdio), std::move(deliver));
}

std::vector<PoolRuntime> PoolRuntimesFrom(const RuntimeRegistry& runtimes) {
  std::vector<PoolRuntime> pools;
  for (const RuntimeInfo& info : runtimes.runtimes()) {
    PoolRuntime pool;
    pool.name = info.config.name();
    pool.size = info.config.pool_size();
    pool.warm = info.config.warm() && runtimes.WarmStartFor(info).has_value();
    pools.push_back(std::move(pool));
  }
  return pools;
}

}  // namespace forge::server
