// The end of a warm program behaves as the end of the same program started
// cold: every test runs one script both ways (forge-launcher, a cold sandbox
// that starts `python3 -B main.py`, and a warm one whose runner gets the job)
// and compares what an observer sees: exit status, stdout, stderr and the
// output files. The warm runner leaves out most of the interpreter's own
// finalization (warm_runner.h); these are the parts it must keep. Needs root
// (id maps); skips otherwise.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_client.h"
#include "sandbox/warm_runner.h"

namespace forge::sandbox {
namespace {

using ::testing::HasSubstr;

constexpr char kPython[] = "/usr/bin/python3";

std::string LauncherPath() {
  const char* build = std::getenv("FORGE_BUILD_DIR");
  return absl::StrCat(build ? build : "build", "/sandbox/forge-launcher");
}

// No PYTHONUNBUFFERED: stdout to a pipe is block-buffered, so what is still
// buffered at the end must be flushed by the exit.
const std::vector<std::string> kEnv = {"PATH=/usr/bin:/bin", "HOME=/workspace",
                                       "LANG=C.UTF-8"};

struct Observed {
  Termination termination = Termination::kSetupError;
  int exit_code = -1;
  int signal = 0;
  std::string out;
  std::string err;
  std::vector<std::pair<std::string, std::string>> files;
};

void ExpectSame(const Observed& cold, const Observed& warm) {
  EXPECT_EQ(warm.termination, cold.termination);
  EXPECT_EQ(warm.exit_code, cold.exit_code);
  EXPECT_EQ(warm.signal, cold.signal);
  EXPECT_EQ(warm.out, cold.out);
  EXPECT_EQ(warm.err, cold.err);
  EXPECT_EQ(warm.files, cold.files);
}

// Object addresses differ between any two runs.
std::string WithoutAddresses(const std::string& text) {
  std::string result;
  for (size_t i = 0; i < text.size(); ++i) {
    result.push_back(text[i]);
    if (text.compare(i, 2, "0x") != 0) continue;
    result.append("x?");
    i += 2;
    while (i < text.size() &&
           std::isxdigit(static_cast<unsigned char>(text[i])))
      ++i;
    --i;
  }
  return result;
}

Observed ObservedFrom(SandboxResult result, const std::string& out,
                      const std::string& err) {
  Observed observed;
  observed.termination = result.termination;
  observed.exit_code = result.exit_code;
  observed.signal = result.signal;
  observed.out = WithoutAddresses(out);
  observed.err = WithoutAddresses(err);
  for (const OutputFileData& file : result.files)
    observed.files.emplace_back(file.path, file.content);
  return observed;
}

void ReadBoth(int out, int err, std::string* out_data, std::string* err_data) {
  pollfd polls[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  std::string* sinks[2] = {out_data, err_data};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (::poll(polls, 2, -1) < 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (polls[i].fd < 0 || polls[i].revents == 0) continue;
      ssize_t n = ::read(polls[i].fd, buffer, sizeof(buffer));
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        polls[i].fd = -1;
        --open_count;
      }
    }
  }
}

class WarmExitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to map sandbox ids onto host ids";
    if (::access(kPython, X_OK) != 0) GTEST_SKIP() << "python3 not installed";
    auto client = LauncherClient::Start(LauncherPath());
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  SandboxSpec Spec() {
    SandboxSpec spec;
    spec.sandbox_id = absl::StrCat("exit", counter_++);
    spec.host_uid = 65534;
    spec.host_gid = 65534;
    for (const char* dir : {"/usr/bin", "/usr/lib", "/usr/lib64",
                            "/etc/alternatives", "/etc/ld.so.cache"}) {
      if (::access(dir, F_OK) == 0) spec.binds.push_back({dir, dir});
    }
    return spec;
  }

  JobSpec Job(const std::string& code) {
    JobSpec job;
    job.argv = {kPython, "-B", "/workspace/main.py"};
    job.env = kEnv;
    job.files = {{"main.py", code, 0644}};
    job.output_files.patterns = {"*.txt", "*.gz", "*.zip"};
    return job;
  }

  Observed RunCold(const std::string& code) {
    auto sandbox = client_->CreateSync(Spec());
    EXPECT_TRUE(sandbox.ok()) << sandbox.status();
    if (!sandbox.ok()) return {};
    auto run = RunAndCollect(**sandbox, Job(code), ResourceLimits{});
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return {};
    return ObservedFrom(std::move(run->result), std::move(run->stdout_data),
                        std::move(run->stderr_data));
  }

  Observed RunWarm(const std::string& code) {
    SandboxSpec spec = Spec();
    spec.warm.argv = {kPython, "-B"};
    for (const std::string& arg : WarmRunnerArgs(WarmRunnerKind::kPython))
      spec.warm.argv.push_back(arg);
    spec.warm.env = kEnv;
    int out[2], err[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    EXPECT_EQ(::pipe2(err, O_CLOEXEC), 0);
    UniqueFd out_read(out[0]), err_read(err[0]);
    auto stdin_fd = MakeReadOnlyMemfd("stdin", "");
    EXPECT_TRUE(stdin_fd.ok());
    LauncherClient::WarmStdio stdio{std::move(*stdin_fd), UniqueFd(out[1]),
                                    UniqueFd(err[1])};
    absl::Notification created;
    absl::StatusOr<std::unique_ptr<Sandbox>> sandbox;
    client_->CreateWarm(spec, std::move(stdio),
                        [&](absl::StatusOr<std::unique_ptr<Sandbox>> made) {
                          sandbox = std::move(made);
                          created.Notify();
                        });
    created.WaitForNotification();
    EXPECT_TRUE(sandbox.ok()) << sandbox.status();
    if (!sandbox.ok()) return {};
    auto payload = WriteJobPayload(Job(code));
    EXPECT_TRUE(payload.ok());
    SandboxResult result;
    absl::Notification finished;
    (*sandbox)->Run(ResourceLimits{}, std::move(*payload), UniqueFd(),
                    UniqueFd(), UniqueFd(), [&](SandboxResult done) {
                      result = std::move(done);
                      finished.Notify();
                    });
    std::string out_data, err_data;
    ReadBoth(out_read.get(), err_read.get(), &out_data, &err_data);
    finished.WaitForNotification();
    return ObservedFrom(std::move(result), std::move(out_data),
                        std::move(err_data));
  }

  // Runs `code` cold and warm, expects the same, returns the cold run.
  Observed RunBoth(const std::string& code) {
    Observed cold = RunCold(code);
    Observed warm = RunWarm(code);
    ExpectSame(cold, warm);
    return cold;
  }

  std::unique_ptr<LauncherClient> client_;
  int counter_ = 0;
};

TEST_F(WarmExitTest, BufferedOutputIsFlushed) {
  Observed cold = RunBoth(
      "import sys\n"
      "print('out', end='')\n"
      "sys.stderr.write('err')\n");
  EXPECT_EQ(cold.exit_code, 0);
  EXPECT_EQ(cold.out, "out");
  EXPECT_EQ(cold.err, "err");
}

TEST_F(WarmExitTest, AtexitHandlersRunInReverseOrderAfterTheProgram) {
  Observed cold = RunBoth(
      "import atexit\n"
      "atexit.register(print, 'registered first')\n"
      "atexit.register(print, 'registered second')\n"
      "print('program')\n");
  EXPECT_EQ(cold.out, "program\nregistered second\nregistered first\n");
}

TEST_F(WarmExitTest, NonDaemonThreadsAreJoined) {
  Observed cold = RunBoth(
      "import threading, time\n"
      "def work():\n"
      "    time.sleep(0.2)\n"
      "    print('thread done')\n"
      "threading.Thread(target=work).start()\n"
      "import atexit\n"
      "atexit.register(print, 'atexit after the join')\n"
      "print('main done')\n");
  EXPECT_EQ(cold.out, "main done\nthread done\natexit after the join\n");
}

TEST_F(WarmExitTest, FilesLeftOpenReachTheirFiles) {
  Observed cold = RunBoth(
      "import gzip, zipfile\n"
      "kept = open('global.txt', 'w')\n"
      "kept.write('global ' * 10)\n"
      "class Holder:\n"  // a class is always part of a reference cycle
      "    file = open('cycle.txt', 'w')\n"
      "Holder.file.write('in a cycle')\n"
      "def leave_open():\n"
      "    leave_open.f = open('attribute.txt', 'w')\n"
      "    leave_open.f.write('on a function')\n"
      "leave_open()\n"
      "import json\n"
      "json.kept = open('other_module.txt', 'w')\n"
      "json.kept.write('stored in a module')\n"
      "archive = zipfile.ZipFile('left.zip', 'w')\n"
      "archive.writestr(zipfile.ZipInfo('a.txt', (1980, 1, 1, 0, 0, 0)), 'z')\n"
      "packed = gzip.GzipFile('left.gz', 'wb', mtime=0)\n"
      "packed.write(b'gzipped')\n");
  EXPECT_EQ(cold.exit_code, 0) << cold.err;
  ASSERT_EQ(cold.files.size(), 6u);
  EXPECT_EQ(cold.files[0], std::make_pair(std::string("attribute.txt"),
                                          std::string("on a function")));
  EXPECT_EQ(cold.files[1], std::make_pair(std::string("cycle.txt"),
                                          std::string("in a cycle")));
  std::string global;
  for (int i = 0; i < 10; ++i) global += "global ";
  EXPECT_EQ(cold.files[2], std::make_pair(std::string("global.txt"), global));
  EXPECT_EQ(cold.files[3].first, "left.gz");
  EXPECT_EQ(cold.files[4].first, "left.zip");
  EXPECT_EQ(cold.files[5], std::make_pair(std::string("other_module.txt"),
                                          std::string("stored in a module")));
}

TEST_F(WarmExitTest, FinalizersOfTheProgramsObjectsRun) {
  Observed cold = RunBoth(
      "class Noisy:\n"
      "    def __del__(self):\n"
      "        print('finalized', self.name)\n"
      "a = Noisy(); a.name = 'global'\n"
      "b = Noisy(); b.name = 'cycle'; b.me = b\n");
  EXPECT_THAT(cold.out, HasSubstr("finalized global\n"));
  EXPECT_THAT(cold.out, HasSubstr("finalized cycle\n"));
}

TEST_F(WarmExitTest, SystemExitCodes) {
  EXPECT_EQ(RunBoth("import sys\nsys.exit(3)\n").exit_code, 3);
  EXPECT_EQ(RunBoth("import sys\nsys.exit()\n").exit_code, 0);
  EXPECT_EQ(RunBoth("import sys\nsys.exit(True)\n").exit_code, 1);
  EXPECT_EQ(RunBoth("import sys\nsys.exit(-1)\n").exit_code, 255);
  EXPECT_EQ(RunBoth("raise SystemExit(2**70)\n").termination,
            Termination::kExited);
  Observed message = RunBoth(
      "import sys, atexit\n"
      "atexit.register(print, 'handler', file=sys.stderr)\n"
      "print('before', end='')\n"
      "sys.exit('the message')\n");
  EXPECT_EQ(message.exit_code, 1);
  EXPECT_EQ(message.out, "before");
  EXPECT_EQ(message.err, "the message\nhandler\n");
  Observed object = RunBoth("raise SystemExit(['not', 'a', 'code'])\n");
  EXPECT_EQ(object.exit_code, 1);
  EXPECT_EQ(object.err, "['not', 'a', 'code']\n");
}

TEST_F(WarmExitTest, UncaughtExceptionPrintsItsTracebackAndExitsWith1) {
  Observed cold = RunBoth(
      "import atexit, sys\n"
      "atexit.register(lambda: print('last:', repr(sys.last_value)))\n"
      "print('before', end='')\n"
      "def fail():\n"
      "    raise ValueError('boom')\n"
      "fail()\n");
  EXPECT_EQ(cold.exit_code, 1);
  EXPECT_EQ(cold.out, "beforelast: ValueError('boom')\n");
  EXPECT_EQ(cold.err,
            "Traceback (most recent call last):\n"
            "  File \"/workspace/main.py\", line 6, in <module>\n"
            "    fail()\n"
            "  File \"/workspace/main.py\", line 5, in fail\n"
            "    raise ValueError('boom')\n"
            "ValueError: boom\n");
}

TEST_F(WarmExitTest, KeyboardInterruptEndsTheProgramBySigint) {
  Observed cold = RunBoth(
      "import atexit\n"
      "atexit.register(print, 'handler')\n"
      "raise KeyboardInterrupt\n");
  EXPECT_EQ(cold.termination, Termination::kSignaled);
  EXPECT_EQ(cold.signal, SIGINT);
  EXPECT_EQ(cold.out, "handler\n");
  EXPECT_THAT(cold.err, HasSubstr("KeyboardInterrupt\n"));
}

TEST_F(WarmExitTest, AnExceptionInAnAtexitHandlerIsReportedAndIgnored) {
  Observed cold = RunBoth(
      "import atexit\n"
      "def broken():\n"
      "    raise RuntimeError('in handler')\n"
      "atexit.register(print, 'still runs')\n"
      "atexit.register(broken)\n"
      "print('program')\n");
  EXPECT_EQ(cold.exit_code, 0);
  EXPECT_EQ(cold.out, "program\nstill runs\n");
  EXPECT_THAT(cold.err,
              HasSubstr("Exception ignored in atexit callback: <function "
                        "broken at 0x?>\n"));
  EXPECT_THAT(cold.err, HasSubstr("RuntimeError: in handler\n"));
}

}  // namespace
}  // namespace forge::sandbox
