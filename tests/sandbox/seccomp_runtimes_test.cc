// The runtimes the service ships run a small program under the sandbox
// seccomp policy without a violation: print, a thread, a subprocess, a file
// written and read back, a name lookup (which probes netlink), and for Node
// the io_uring probe. Each is exec'd by a child that installed the policy,
// so this also shows the filter surviving execve. Skipped per runtime when
// its binary is missing.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/fd_passing.h"
#include "sandbox/seccomp_install.h"
#include "sandbox/seccomp_notify.h"
#include "sandbox/seccomp_sandbox_policy.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;

struct ProgramResult {
  std::string output;  // stdout and stderr together
  int wait_status = 0;
  std::vector<std::string> violations;
};

// Execs `argv` with `env` under the sandbox policy and supervises it: a
// violation is recorded and the whole process group killed.
ProgramResult RunProgram(const std::vector<std::string>& argv,
                         const std::vector<std::string>& env) {
  ProgramResult result;
  absl::StatusOr<SeccompPolicy> policy = BuildSandboxSeccompPolicy();
  if (!policy.ok()) {
    ADD_FAILURE() << policy.status();
    return result;
  }
  std::vector<char*> args, envp;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  for (const std::string& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int channel[2], output[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, channel) != 0 ||
      pipe2(output, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "socketpair/pipe";
    return result;
  }
  const pid_t child = fork();
  if (child == 0) {
    setsid();  // its own process group, killed as one
    dup2(output[1], STDOUT_FILENO);
    dup2(output[1], STDERR_FILENO);
    int listener = -1;
    if (InstallSeccompPolicy(*policy, &listener) != 0) _exit(125);
    if (!SendMessage(channel[1], "L", {listener}).ok()) _exit(125);
    close(listener);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(channel[1]);
  close(output[1]);
  absl::StatusOr<ReceivedMessage> message = ReceiveMessage(channel[0]);
  close(channel[0]);
  if (!message.ok() || message->fds.size() != 1) {
    ADD_FAILURE() << "no listener: " << message.status();
    kill(child, SIGKILL);
    waitpid(child, &result.wait_status, 0);
    return result;
  }
  SeccompNotifyListener listener(std::move(message->fds[0]));
  while (true) {
    pollfd fds[2] = {{output[0], POLLIN, 0}, {listener.fd(), POLLIN, 0}};
    if (poll(fds, 2, 60'000) <= 0) {
      ADD_FAILURE() << "no progress in 60 s; output so far:\n" << result.output;
      kill(-child, SIGKILL);
      break;
    }
    if (fds[1].revents & POLLIN) {
      absl::StatusOr<std::optional<SeccompNotification>> got =
          listener.TryReceive();
      if (got.ok() && got->has_value()) {
        result.violations.push_back((*got)->syscall_name);
        kill(-child, SIGKILL);
        listener.RespondWithError((*got)->id, kSeccompViolationErrno)
            .IgnoreError();
      }
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      char buffer[4096];
      const ssize_t got = read(output[0], buffer, sizeof(buffer));
      if (got <= 0) break;
      result.output.append(buffer, static_cast<size_t>(got));
    }
  }
  close(output[0]);
  waitpid(child, &result.wait_status, 0);
  return result;
}

// The repository: $FORGE_SOURCE_DIR under ctest, else where this file is.
std::string SourceDir() {
  if (const char* dir = getenv("FORGE_SOURCE_DIR")) return dir;
  const std::string file = __FILE__;
  return file.substr(0, file.rfind("/tests/sandbox/"));
}

class SeccompRuntimesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/forge-seccomp-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    workdir_ = dir;
  }
  void TearDown() override {
    if (!workdir_.empty()) {
      const std::string command = "rm -rf '" + workdir_ + "'";
      EXPECT_EQ(system(command.c_str()), 0);
    }
  }

  std::vector<std::string> Env(std::vector<std::string> extra = {}) {
    std::vector<std::string> env = {"PATH=/usr/bin:/bin", "HOME=" + workdir_,
                                    "WORKDIR=" + workdir_, "LANG=C.UTF-8"};
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
  }

  void ExpectCleanRun(const ProgramResult& result) {
    EXPECT_THAT(result.violations, ::testing::IsEmpty()) << result.output;
    EXPECT_TRUE(WIFEXITED(result.wait_status) &&
                WEXITSTATUS(result.wait_status) == 0)
        << "status " << result.wait_status << ", output:\n"
        << result.output;
    EXPECT_THAT(result.output, HasSubstr("hello\nsub\nx\n")) << result.output;
    EXPECT_THAT(result.output, HasSubstr("done\n")) << result.output;
  }

  std::string workdir_;
};

#define SKIP_UNLESS_EXECUTABLE(path) \
  if (access(path, X_OK) != 0) GTEST_SKIP() << path << " is not installed"

TEST_F(SeccompRuntimesTest, Python) {
  constexpr char kPython[] = "/usr/bin/python3";
  SKIP_UNLESS_EXECUTABLE(kPython);
  ProgramResult result = RunProgram({kPython, "-I", "-c", R"py(
import os, socket, subprocess, threading
print("hello", flush=True)
t = threading.Thread(target=lambda: None); t.start(); t.join()
print(subprocess.run(["/bin/echo", "sub"], capture_output=True, text=True).stdout.strip())
path = os.path.join(os.environ["WORKDIR"], "py.txt")
with open(path, "w") as f: f.write("x")
print(open(path).read())
print(socket.getaddrinfo("localhost", 80, flags=socket.AI_ADDRCONFIG)[0][4][0])
print("done")
)py"},
                                    Env());
  ExpectCleanRun(result);
}

TEST_F(SeccompRuntimesTest, Node) {
  constexpr char kNode[] = "/usr/bin/node";
  SKIP_UNLESS_EXECUTABLE(kNode);
  ProgramResult result =
      RunProgram({kNode, "-e", R"js(
const { Worker } = require('worker_threads');
const cp = require('child_process'), fs = require('fs'), dns = require('dns');
console.log('hello');
new Worker('require("worker_threads").parentPort.postMessage(1)', { eval: true })
  .once('message', () => {
    console.log(cp.execFileSync('/bin/echo', ['sub']).toString().trim());
    const p = process.env.WORKDIR + '/js.txt';
    fs.writeFileSync(p, 'x');
    console.log(fs.readFileSync(p, 'utf8'));
    fs.readFile(p, () => {  // through libuv's io_uring or thread pool
      dns.lookup('localhost', { hints: dns.ADDRCONFIG }, (err) => {
        console.log(err ? 'lookup failed' : 'lookup ok');
        console.log('done');
        process.exit(0);
      });
    });
  });
)js"},
                 Env({"UV_USE_IO_URING=1"}));  // make libuv probe io_uring
  ExpectCleanRun(result);
}

TEST_F(SeccompRuntimesTest, Deno) {
  const std::string deno = SourceDir() + "/.deps/bin/deno";
  SKIP_UNLESS_EXECUTABLE(deno.c_str());
  const std::string script = workdir_ + "/main.ts";
  FILE* file = fopen(script.c_str(), "we");
  ASSERT_NE(file, nullptr);
  fputs(R"ts(
console.log("hello");
const worker = new Worker("data:application/javascript,postMessage(1)", { type: "module" });
await new Promise((resolve) => (worker.onmessage = resolve));
worker.terminate();
const out = new Deno.Command("/bin/echo", { args: ["sub"] }).outputSync();
console.log(new TextDecoder().decode(out.stdout).trim());
const path: string = Deno.env.get("WORKDIR") + "/ts.txt";
Deno.writeTextFileSync(path, "x");
console.log(Deno.readTextFileSync(path));
console.log("done");
)ts",
        file);
  fclose(file);
  ProgramResult result =
      RunProgram({deno, "run", "-A", "--no-prompt", script},
                 Env({"DENO_DIR=" + workdir_ + "/deno",
                      "DENO_NO_UPDATE_CHECK=1", "NO_COLOR=1"}));
  ExpectCleanRun(result);
}

TEST_F(SeccompRuntimesTest, Bash) {
  constexpr char kBash[] = "/bin/bash";
  SKIP_UNLESS_EXECUTABLE(kBash);
  ProgramResult result =
      RunProgram({kBash, "-c",
                  "echo hello; echo sub | cat; echo x > \"$WORKDIR/sh.txt\"; "
                  "cat \"$WORKDIR/sh.txt\"; (sleep 0 &); wait; echo done"},
                 Env());
  ExpectCleanRun(result);
}

TEST_F(SeccompRuntimesTest, AViolationInAnInterpreterIsReportedByName) {
  constexpr char kPython[] = "/usr/bin/python3";
  SKIP_UNLESS_EXECUTABLE(kPython);
  ProgramResult result =
      RunProgram({kPython, "-I", "-c",
                  "import ctypes; print('before', flush=True); "
                  "ctypes.CDLL(None).syscall(101, 0, 0, 0, 0); print('after')"},
                 Env());
  EXPECT_THAT(result.violations, ::testing::ElementsAre("ptrace"));
  EXPECT_TRUE(WIFSIGNALED(result.wait_status) &&
              WTERMSIG(result.wait_status) == SIGKILL);
  EXPECT_THAT(result.output, HasSubstr("before"));
  EXPECT_THAT(result.output, ::testing::Not(HasSubstr("after")));
}

}  // namespace
}  // namespace forge::sandbox
