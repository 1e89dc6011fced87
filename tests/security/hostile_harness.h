// Support for the hostile-program suite: loads the hostile programs from
// tests/security/programs/, runs each through a real forge-execd while a
// benign execution runs alongside, and checks that the service and the host
// came through unaffected.
//
// Every test binary of the suite starts one server (HostileProgramTest's
// StartServer in SetUpTestSuite) and runs its cases one after another.
#ifndef FORGE_TESTS_SECURITY_HOSTILE_HARNESS_H_
#define FORGE_TESTS_SECURITY_HOSTILE_HARNESS_H_

#include <sys/types.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "forge/exec/v1/execution.grpc.pb.h"
#include "gtest/gtest.h"
#include "tests/integration/server_process.h"

namespace forge::testing::security {

using forge::exec::v1::ExecuteRequest;
using forge::exec::v1::Outcome;

// Reads tests/security/programs/`file` (under FORGE_SOURCE_DIR) into a
// request whose runtime follows the extension (.py python, .js javascript,
// .ts typescript, .sh bash) and whose args are `args`. A file that cannot
// be read is a test failure (ADD_FAILURE) and yields empty code.
ExecuteRequest ProgramRequest(const std::string& file,
                              const std::vector<std::string>& args = {});

// Sets limits on `request`; other limits keep the server's defaults.
void SetWallTime(ExecuteRequest& request, absl::Duration wall);
void SetCpuTime(ExecuteRequest& request, absl::Duration cpu);

// A name unique to this test process and call, at most 15 characters (so it
// fits a process's comm), starting with `prefix` (at most 5 characters).
std::string UniqueMarker(const std::string& prefix);

// Host processes (other than this one) whose name (comm) or command line
// contains `marker`, zombies included. -1 when /proc cannot be read.
int CountHostProcesses(const std::string& marker);
// Polls CountHostProcesses until it is 0 or `limit` passed; returns the
// last count.
int WaitUntilNoHostProcess(const std::string& marker, absl::Duration limit);

// Starts `argv` on the host as uid/gid `uid` (a decoy sharing the sandbox's
// host uid); returns its pid or -1. The caller kills and reaps it.
pid_t StartHostDecoy(const std::vector<std::string>& argv, uid_t uid);
// Whether `pid` (a child of this process) is still running (not a zombie).
bool HostProcessAlive(pid_t pid);

// One-line summary of an execution for failure messages: gRPC status,
// outcome, message, exit code, signal, and the start of stdout and stderr.
std::string Describe(const CollectedEvents& run);

// Lines of stdout of `run`.
std::vector<std::string> StdoutLines(const CollectedEvents& run);

// A benign Python execution that prints `lines` numbered lines, one every
// 50 ms, started in the background. The constructor returns once the
// execution printed its first line (or ended, or 20 s passed), so that what
// runs next overlaps it.
class BenignExecution {
 public:
  BenignExecution(const ServerProcess& server, int lines);
  // Joins the background thread.
  ~BenignExecution();
  BenignExecution(const BenignExecution&) = delete;
  BenignExecution& operator=(const BenignExecution&) = delete;

  // Waits for the end and records a test failure unless the execution ended
  // with EXITED, exit code 0, exactly the expected stdout and no stderr.
  void ExpectExactOutput();

 private:
  int lines_;
  std::atomic<bool> printed_{false};
  std::atomic<bool> done_{false};
  CollectedEvents run_;
  std::thread thread_;
};

// Fixture base: one forge-execd per test binary, shared by its cases.
// Cases are skipped when not running as root (sandboxes need it).
class HostileProgramTest : public ::testing::Test {
 protected:
  // Starts the server with `config` overlaid on the defaults; a failure to
  // start is a fatal failure of the suite.
  static void StartServer(const std::string& config = "");
  static void StopServer();

  void SetUp() override;

  // Runs `request` while a BenignExecution of `benign_lines` runs
  // alongside; afterwards records failures unless the benign execution got
  // exactly its output, the server answers ListRuntimes, and a fresh
  // execution still prints exactly what it should. The hostile execution
  // itself must reach `finished` with gRPC status OK; what it finished with
  // is for the caller to check.
  CollectedEvents RunHostile(const ExecuteRequest& request,
                             int benign_lines = 20,
                             absl::Duration deadline = absl::Seconds(60));

  // Runs `request` alone and returns what came back (no checks).
  CollectedEvents RunAlone(const ExecuteRequest& request,
                           absl::Duration deadline = absl::Seconds(60));

  // Checks the service still answers: ListRuntimes succeeds and a fresh
  // execution prints exactly its output.
  void ExpectServiceAnswers();

  // The `protections` of a benign execution's `started` event for
  // `runtime` (e.g. "cgroup-pids", "seccomp"), cached per runtime.
  static const std::vector<std::string>& ProtectionsOf(
      const std::string& runtime);
  static bool HasProtection(const std::string& runtime,
                            const std::string& protection);

  static ServerProcess* server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

}  // namespace forge::testing::security

#endif  // FORGE_TESTS_SECURITY_HOSTILE_HARNESS_H_
