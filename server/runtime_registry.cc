#include "server/runtime_registry.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "common/unique_fd.h"
#include "sandbox/warm_runner.h"

extern char** environ;

namespace forge::server {
namespace {

constexpr char kRuntimeBindRoot[] = "/opt/forge/runtimes";

// Runs `argv` on the host (not in a sandbox: these are the operator's own
// interpreters) and returns the first line it prints, within `timeout`.
absl::StatusOr<std::string> FirstLineOf(const std::vector<std::string>& argv,
                                        absl::Duration timeout) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  UniqueFd read_end(fds[0]);
  UniqueFd write_end(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, write_end.get(), 2);
  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int error = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr,
                            args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0)
    return absl::ErrnoToStatus(error, absl::StrCat("run ", argv[0]));
  write_end.Reset();
  std::string output;
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[4096];
  while (output.size() < 65536) {
    pollfd poll_fd{read_end.get(), POLLIN, 0};
    int remaining =
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now()));
    if (remaining <= 0 || ::poll(&poll_fd, 1, remaining) <= 0) break;
    ssize_t n = ::read(read_end.get(), buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::kill(pid, SIGKILL);
  int status;
  ::waitpid(pid, &status, 0);
  std::string line(
      absl::StripAsciiWhitespace(output.substr(0, output.find('\n'))));
  if (line.empty())
    return absl::FailedPreconditionError(
        absl::StrCat(argv[0], " printed no version"));
  return line;
}

void AddBindIfPresent(const std::string& path,
                      std::vector<sandbox::BindMount>& binds) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0) binds.push_back({path, path});
}

bool IsUnder(const std::string& path,
             const std::vector<sandbox::BindMount>& binds) {
  for (const auto& bind : binds) {
    if (path == bind.target || absl::StartsWith(path, bind.target + "/"))
      return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<std::unique_ptr<RuntimeRegistry>> RuntimeRegistry::Create(
    const forge::exec::v1::ServerConfig& config) {
  std::unique_ptr<RuntimeRegistry> registry(new RuntimeRegistry(config));
  for (const auto& runtime_config : config.runtimes()) {
    RuntimeInfo info;
    info.config = runtime_config;
    const std::string& binary = runtime_config.binary();
    char resolved[PATH_MAX];
    if (::realpath(binary.c_str(), resolved) == nullptr ||
        ::access(resolved, X_OK) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "runtime ", runtime_config.name(), ": interpreter ", binary,
          " is missing or not executable (run scripts/install-deps)"));
    }
    std::vector<std::string> version_argv = {binary};
    for (const std::string& arg : runtime_config.version_args())
      version_argv.push_back(arg);
    absl::StatusOr<std::string> version =
        FirstLineOf(version_argv, absl::Seconds(10));
    if (!version.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "runtime ", runtime_config.name(),
          ": cannot read its version: ", version.status().message()));
    }
    info.version = *version;
    for (const std::string& bind : config.sandbox().common_binds())
      AddBindIfPresent(bind, info.binds);
    for (const std::string& bind : runtime_config.binds())
      AddBindIfPresent(bind, info.binds);
    // An interpreter outside the bound directories (a project-local Deno,
    // say) is bound on its own, resolved, at a fixed place.
    if (IsUnder(binary, info.binds)) {
      info.binary_in_sandbox = binary;
    } else {
      info.binary_in_sandbox =
          absl::StrCat(kRuntimeBindRoot, "/", runtime_config.name(), "/",
                       binary.substr(binary.rfind('/') + 1));
      info.binds.push_back({resolved, info.binary_in_sandbox});
    }
    registry->runtimes_.push_back(std::move(info));
  }
  return registry;
}

const RuntimeInfo* RuntimeRegistry::Find(absl::string_view name) const {
  for (const RuntimeInfo& runtime : runtimes_) {
    if (runtime.config.name() == name) return &runtime;
  }
  return nullptr;
}

sandbox::SandboxSpec RuntimeRegistry::SandboxSpecFor(
    const RuntimeInfo& runtime, const std::string& sandbox_id) const {
  sandbox::SandboxSpec spec;
  spec.sandbox_id = sandbox_id;
  spec.host_uid = config_.sandbox().host_uid();
  spec.host_gid = config_.sandbox().host_gid();
  spec.binds = runtime.binds;
  spec.tmp_bytes = config_.sandbox().tmp_bytes();
  spec.tmpfs_inodes = config_.sandbox().tmpfs_inodes();
  return spec;
}

std::vector<std::string> RuntimeRegistry::BaseEnv(
    const RuntimeInfo& runtime) const {
  std::vector<std::string> env = {"PATH=/usr/local/bin:/usr/bin:/bin",
                                  absl::StrCat("HOME=", sandbox::kWorkspaceDir),
                                  "TMPDIR=/tmp",
                                  "LANG=C.UTF-8",
                                  "USER=sandbox",
                                  "LOGNAME=sandbox"};
  // Sorted for a deterministic environment regardless of map order.
  std::vector<std::pair<std::string, std::string>> runtime_env(
      runtime.config.env().begin(), runtime.config.env().end());
  std::sort(runtime_env.begin(), runtime_env.end());
  for (const auto& [name, value] : runtime_env)
    env.push_back(absl::StrCat(name, "=", value));
  return env;
}

std::optional<sandbox::WarmStart> RuntimeRegistry::WarmStartFor(
    const RuntimeInfo& runtime) const {
  absl::StatusOr<sandbox::WarmRunnerKind> kind =
      sandbox::WarmRunnerFor(runtime.binary_in_sandbox);
  if (!kind.ok()) return std::nullopt;
  sandbox::WarmStart warm;
  warm.argv.push_back(runtime.binary_in_sandbox);
  for (const std::string& arg : runtime.config.args()) warm.argv.push_back(arg);
  for (std::string& arg : sandbox::WarmRunnerArgs(
           *kind, absl::StrCat(sandbox::kWorkspaceDir, "/",
                               runtime.config.script_name())))
    warm.argv.push_back(std::move(arg));
  warm.env = BaseEnv(runtime);
  return warm;
}

absl::StatusOr<sandbox::JobSpec> RuntimeRegistry::JobFor(
    const RuntimeInfo& runtime,
    const forge::exec::v1::ExecuteRequest& request) const {
  const std::string& script = runtime.config.script_name();
  sandbox::JobSpec job;
  job.argv.push_back(runtime.binary_in_sandbox);
  for (const std::string& arg : runtime.config.args()) job.argv.push_back(arg);
  job.argv.push_back(absl::StrCat(sandbox::kWorkspaceDir, "/", script));
  for (const std::string& arg : request.args()) job.argv.push_back(arg);

  job.env = BaseEnv(runtime);
  // Sorted for a deterministic environment regardless of map order.
  std::vector<std::pair<std::string, std::string>> request_env(
      request.env().begin(), request.env().end());
  std::sort(request_env.begin(), request_env.end());
  for (const auto& [name, value] : request_env)
    job.env.push_back(absl::StrCat(name, "=", value));

  job.files.push_back({script, request.code(), 0644});
  for (const std::string& pattern : request.output_files()) {
    job.output_files.patterns.push_back(pattern);
  }
  job.output_files.max_files = config_.request_limits().max_output_files();
  job.output_files.max_file_bytes =
      config_.request_limits().max_output_file_bytes();
  for (int i = 0; i < request.files_size(); ++i) {
    const auto& file = request.files(i);
    if (file.path() == script) {
      return absl::InvalidArgumentError(
          absl::StrCat("files[", i, "].path: \"", script,
                       "\" is where the program's own code goes"));
    }
    job.files.push_back({file.path(), file.content(), file.mode()});
  }
  return job;
}

}  // namespace forge::server
