// What a finished job's result says (launcher_loop_internal.h).
#include <sys/wait.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "sandbox/launcher_loop_internal.h"

namespace forge::sandbox::launcher_internal {

SandboxResult ComposeJobResult(const SandboxState& sandbox,
                               const siginfo_t& exit,
                               const std::optional<CgroupUsage>& usage) {
  SandboxResult result;
  result.wall_time = absl::Now() - sandbox.started;
  if (sandbox.report) {
    const JobReport& report = *sandbox.report;
    result.wall_time = absl::Nanoseconds(static_cast<int64_t>(report.wall_ns));
    result.cpu_time = absl::Microseconds(
        static_cast<int64_t>(report.user_cpu_us + report.system_cpu_us));
    result.peak_memory_bytes = report.max_rss_bytes;
  }
  // The cgroup saw every process, reaped or not.
  if (usage && usage->cpu_time_ns) {
    result.cpu_time =
        absl::Nanoseconds(static_cast<int64_t>(*usage->cpu_time_ns));
  }
  if (usage && usage->peak_memory_bytes)
    result.peak_memory_bytes = *usage->peak_memory_bytes;

  if (sandbox.verdict && sandbox.verdict != Termination::kSetupError) {
    result.termination = *sandbox.verdict;
    result.signal = SIGKILL;
    result.message = sandbox.verdict_message;
  } else if (sandbox.failure) {
    result.termination = Termination::kSetupError;
    result.message = std::string(sandbox.failure->message());
  } else if (usage && usage->oom_kills > 0) {
    result.termination = Termination::kMemoryLimit;
    result.signal = SIGKILL;
    result.message = absl::StrCat(
        "memory limit of ", sandbox.limits.memory_bytes, " bytes exceeded");
  } else if (sandbox.report) {
    const int status = sandbox.report->wait_status;
    if (WIFEXITED(status)) {
      result.termination = Termination::kExited;
      result.exit_code = WEXITSTATUS(status);
    } else {
      result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      const bool over_cpu = result.cpu_time >= sandbox.limits.cpu_time;
      if (result.signal == SIGXCPU || (result.signal == SIGKILL && over_cpu)) {
        result.termination = Termination::kCpuTimeout;
        result.message = absl::StrCat(
            "CPU-time limit of ", absl::FormatDuration(sandbox.limits.cpu_time),
            " exceeded");
      } else {
        result.termination = Termination::kSignaled;
      }
    }
    // A fork that failed at the pids limit and took the program down.
    const bool clean_exit =
        result.termination == Termination::kExited && result.exit_code == 0;
    if (usage && usage->pids_limit_hit && !clean_exit) {
      result.termination = Termination::kProcessLimit;
      result.message = absl::StrCat("process limit of ",
                                    sandbox.limits.max_processes, " reached");
    }
  } else {
    result.termination = Termination::kSetupError;
    result.message =
        sandbox.verdict
            ? sandbox.verdict_message
            : absl::StrCat("sandbox init ended unexpectedly (code ",
                           exit.si_code, ", status ", exit.si_status, ")");
  }
  return result;
}

}  // namespace forge::sandbox::launcher_internal
