// Making a sandbox: the clone of its init into new namespaces (and, where
// the kernel can, straight into its cgroup), then the helper that attaches
// it to its cgroups and id maps before init's "go"
// (launcher_loop_internal.h, sandbox_attach.h).
#include <linux/sched.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/launcher_loop_internal.h"
#include "sandbox/sandbox_init.h"

namespace forge::sandbox::launcher_internal {

constexpr int kNamespaceFlags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS |
                                CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;

absl::StatusOr<std::unique_ptr<SandboxState>> LauncherLoop::Clone(
    const SandboxSpec& spec, const std::vector<UniqueFd>& warm_stdio) {
  auto sandbox = std::make_unique<SandboxState>();
  sandbox->id = spec.sandbox_id;
  sandbox->warm = spec.is_warm();
  if (options_.cgroups != nullptr &&
      options_.cgroups->support().mode != CgroupMode::kNone) {
    // No limits yet: they come with the job (Start).
    CgroupLimits weight;
    if (spec.background) weight.cpu_weight = kBackgroundCpuWeight;
    FORGE_ASSIGN_OR_RETURN(Cgroup cgroup,
                           options_.cgroups->Create(spec.sandbox_id, weight));
    sandbox->cgroup.emplace(std::move(cgroup));
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return LastErrorStatus("socketpair");
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  int pidfd = -1;
  clone_args args{};
  args.flags = kNamespaceFlags | CLONE_PIDFD;
  args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
  args.exit_signal = SIGCHLD;
  if (sandbox->cgroup && sandbox->cgroup->clone_into_fd() >= 0) {
    args.flags |= CLONE_INTO_CGROUP;
    args.cgroup = static_cast<uint64_t>(sandbox->cgroup->clone_into_fd());
  }
  long pid = ::syscall(SYS_clone3, &args, sizeof(args));
  if (pid < 0) return LastErrorStatus("clone3");
  if (pid == 0) {
    // The child of a single-threaded process: ordinary code is safe here.
    ours.Reset();
    // A warm program's stdio is inherited here; the launcher closes its own
    // copies as soon as the clone is made.
    int stdio[kWarmStdioCount] = {-1, -1, -1};
    for (size_t i = 0; i < warm_stdio.size() && i < kWarmStdioCount; ++i)
      stdio[i] = warm_stdio[i].get();
    RunSandboxInit(spec, theirs.get(), options_.staging_dir, *options_.seccomp,
                   stdio);
  }
  sandbox->pid = static_cast<pid_t>(pid);
  sandbox->pidfd.Reset(pidfd);
  sandbox->control = std::move(ours);
  return sandbox;
}

void LauncherLoop::HandleCreate(const CreateRequest& request,
                                std::vector<UniqueFd> fds) {
  const SandboxSpec& spec = request.spec;
  auto fail = [&](const absl::Status& status) {
    Reply(Encode(CreatedReply{spec.sandbox_id, status, {}}));
  };
  if (spec.host_uid == 0 || spec.host_gid == 0) {
    return fail(
        absl::InvalidArgumentError("sandbox host uid/gid must not be 0"));
  }
  if (sandboxes_.contains(spec.sandbox_id)) {
    return fail(absl::AlreadyExistsError("duplicate sandbox id"));
  }
  if (fds.size() != (spec.is_warm() ? kWarmStdioCount : 0)) {
    return fail(absl::InvalidArgumentError(
        "a warm sandbox comes with exactly its stdio, a cold one with none"));
  }
  absl::StatusOr<std::unique_ptr<SandboxState>> cloned = Clone(spec, fds);
  fds.clear();  // only the sandbox holds the warm program's stdio now
  if (!cloned.ok()) return fail(cloned.status());
  std::unique_ptr<SandboxState> sandbox = std::move(*cloned);
  // The child waits for "go": it is in its cgroups (v1 ones included) and
  // has its id maps before it does anything. A helper does those steps and
  // sends "go", so this loop does not wait for them.
  AttachRequest attach;
  attach.pid = sandbox->pid;
  attach.cgroup = sandbox->cgroup ? &*sandbox->cgroup : nullptr;
  attach.placed_by_clone =
      sandbox->cgroup && sandbox->cgroup->clone_into_fd() >= 0;
  attach.host_uid = spec.host_uid;
  attach.host_gid = spec.host_gid;
  attach.control = sandbox->control.get();
  absl::StatusOr<Attaching> attaching = StartAttach(attach);
  absl::Status status = attaching.status();
  if (status.ok()) {
    sandbox->attaching = std::move(*attaching);
    status = Watch(sandbox->attaching->pidfd.get(), WatchKind::kAttach,
                   sandbox.get());
  }
  if (status.ok())
    status = Watch(sandbox->control.get(), WatchKind::kControl, sandbox.get());
  if (status.ok())
    status = Watch(sandbox->pidfd.get(), WatchKind::kProcess, sandbox.get());
  SandboxState* raw = sandbox.get();
  sandboxes_[spec.sandbox_id] = std::move(sandbox);
  if (!status.ok()) {
    // The exit handler reports the failure once the child is reaped.
    raw->failure = status;
    KillSandbox(*raw, Termination::kSetupError, std::string(status.message()));
  }
}

void LauncherLoop::HandleAttached(SandboxState& sandbox) {
  if (!sandbox.attaching) return;
  Unwatch(sandbox.attaching->pidfd.get());
  absl::Status status = FinishAttach(*sandbox.attaching);
  sandbox.attaching.reset();
  if (!status.ok()) {
    sandbox.failure = status;
    KillSandbox(sandbox, Termination::kSetupError,
                std::string(status.message()));
  }
}

}  // namespace forge::sandbox::launcher_internal
