// Runs one program both ways through forge-launcher: in a cold sandbox that
// starts `binary args... script` for the job, and in a warm one whose
// runner (warm_runner.h) gets the job; and compares what an observer sees:
// exit status, stdout, stderr (object addresses masked) and output files.
// Needs root (id maps): the fixture skips otherwise.
#ifndef FORGE_TESTS_SANDBOX_WARM_VS_COLD_H_
#define FORGE_TESTS_SANDBOX_WARM_VS_COLD_H_

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_client.h"
#include "sandbox/warm_runner.h"

namespace forge::sandbox {

// How a runtime's program is started: [binary, args..., script, user
// args...] with `env`, cold or warm alike.
struct RuntimeUnderTest {
  std::string binary;
  std::vector<std::string> args;
  std::string script;  // absolute, in /workspace
  std::vector<std::string> env;
  std::vector<std::string> binds;  // host paths, bound at the same path
};

struct Observed {
  Termination termination = Termination::kSetupError;
  int exit_code = -1;
  int signal = 0;
  std::string out;
  std::string err;
  std::vector<std::pair<std::string, std::string>> files;
};

inline void ExpectSame(const Observed& cold, const Observed& warm) {
  EXPECT_EQ(warm.termination, cold.termination);
  EXPECT_EQ(warm.exit_code, cold.exit_code);
  EXPECT_EQ(warm.signal, cold.signal);
  EXPECT_EQ(warm.out, cold.out);
  EXPECT_EQ(warm.err, cold.err);
  EXPECT_EQ(warm.files, cold.files);
}

// Object addresses differ between any two runs: "0x7f..." becomes "0x?".
inline std::string WithoutAddresses(const std::string& text) {
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

inline Observed ObservedFrom(SandboxResult result, const std::string& out,
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

class WarmVsColdTest : public ::testing::Test {
 protected:
  // The runtime every Run* call uses; set by the test's SetUp before
  // WarmVsColdTest::SetUp.
  RuntimeUnderTest runtime_;

  void SetUp() override {
    if (::geteuid() != 0)
      GTEST_SKIP() << "needs root to map sandbox ids onto host ids";
    if (::access(runtime_.binary.c_str(), X_OK) != 0)
      GTEST_SKIP() << runtime_.binary << " not installed";
    const char* build = std::getenv("FORGE_BUILD_DIR");
    auto client = LauncherClient::Start(
        absl::StrCat(build ? build : "build", "/sandbox/forge-launcher"));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  SandboxSpec Spec() {
    SandboxSpec spec;
    spec.sandbox_id = absl::StrCat("wvc", counter_++);
    spec.host_uid = 65534;
    spec.host_gid = 65534;
    for (const char* dir : {"/usr/bin", "/usr/lib", "/usr/lib64",
                            "/etc/alternatives", "/etc/ld.so.cache"}) {
      if (::access(dir, F_OK) == 0) spec.binds.push_back({dir, dir});
    }
    for (const std::string& dir : runtime_.binds)
      spec.binds.push_back({dir, dir});
    return spec;
  }

  JobSpec Job(const std::string& code, std::vector<std::string> user_args) {
    JobSpec job;
    job.argv = {runtime_.binary};
    for (const std::string& arg : runtime_.args) job.argv.push_back(arg);
    job.argv.push_back(runtime_.script);
    for (std::string& arg : user_args) job.argv.push_back(std::move(arg));
    job.env = runtime_.env;
    job.files = {
        {runtime_.script.substr(runtime_.script.rfind('/') + 1), code, 0644}};
    job.output_files.patterns = {"*.txt", "*.gz", "*.zip"};
    return job;
  }

  Observed RunCold(const std::string& code,
                   std::vector<std::string> user_args = {}) {
    auto sandbox = client_->CreateSync(Spec());
    EXPECT_TRUE(sandbox.ok()) << sandbox.status();
    if (!sandbox.ok()) return {};
    auto run = RunAndCollect(**sandbox, Job(code, std::move(user_args)),
                             ResourceLimits{});
    EXPECT_TRUE(run.ok()) << run.status();
    if (!run.ok()) return {};
    return ObservedFrom(std::move(run->result), run->stdout_data,
                        run->stderr_data);
  }

  Observed RunWarm(const std::string& code,
                   std::vector<std::string> user_args = {}) {
    SandboxSpec spec = Spec();
    auto kind = WarmRunnerFor(runtime_.binary);
    EXPECT_TRUE(kind.ok()) << kind.status();
    if (!kind.ok()) return {};
    spec.warm.argv = {runtime_.binary};
    for (const std::string& arg : runtime_.args) spec.warm.argv.push_back(arg);
    for (std::string& arg : WarmRunnerArgs(*kind, runtime_.script))
      spec.warm.argv.push_back(std::move(arg));
    spec.warm.env = runtime_.env;
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
    auto payload = WriteJobPayload(Job(code, std::move(user_args)));
    EXPECT_TRUE(payload.ok());
    SandboxResult result;
    absl::Notification finished;
    (*sandbox)->Run(ResourceLimits{}, {std::move(*payload)},
                    [&](SandboxResult done) {
                      result = std::move(done);
                      finished.Notify();
                    });
    std::string out_data, err_data;
    EXPECT_TRUE(
        ReadUntilBothClose(out_read.get(), err_read.get(), &out_data, &err_data)
            .ok());
    finished.WaitForNotification();
    return ObservedFrom(std::move(result), out_data, err_data);
  }

  // Runs `code` cold and warm, expects the same, returns the cold run.
  Observed RunBoth(const std::string& code,
                   std::vector<std::string> user_args = {}) {
    Observed cold = RunCold(code, user_args);
    Observed warm = RunWarm(code, std::move(user_args));
    ExpectSame(cold, warm);
    return cold;
  }

  std::unique_ptr<LauncherClient> client_;
  int counter_ = 0;
};

}  // namespace forge::sandbox

#endif  // FORGE_TESTS_SANDBOX_WARM_VS_COLD_H_
