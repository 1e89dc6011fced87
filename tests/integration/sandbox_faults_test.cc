// Faults under the sandbox, through the real server: the launcher killed
// with SIGKILL while jobs run (they end INTERNAL_ERROR and audited, nothing
// of them survives, a new launcher serves the next job), and cgroups the
// server cannot write (a limit that cannot be set fails the execution
// closed; a host without writable cgroups degrades loudly).
#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "server/audit/verify.h"
#include "tests/integration/server_process.h"

namespace forge::testing {
namespace {

using ::forge::exec::v1::OUTCOME_EXITED;
using ::forge::exec::v1::OUTCOME_INTERNAL_ERROR;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The fields of /proc/<pid>/stat after "(comm)": [0] state, [1] ppid.
std::vector<std::string> StatFields(pid_t pid, std::string* comm) {
  const std::string stat = ReadAll(absl::StrCat("/proc/", pid, "/stat"));
  const size_t open = stat.find('('), close = stat.rfind(')');
  if (open == std::string::npos || close == std::string::npos) return {};
  if (comm != nullptr) *comm = stat.substr(open + 1, close - open - 1);
  return absl::StrSplit(stat.substr(close + 2), ' ');
}

std::vector<pid_t> AllPids() {
  std::vector<pid_t> pids;
  if (DIR* proc = ::opendir("/proc")) {
    while (dirent* entry = ::readdir(proc)) {
      pid_t pid;
      if (absl::SimpleAtoi(entry->d_name, &pid)) pids.push_back(pid);
    }
    ::closedir(proc);
  }
  return pids;
}

// The forge-launcher the server `server` runs now, or -1.
pid_t LauncherOf(pid_t server) {
  for (pid_t pid : AllPids()) {
    std::string comm;
    std::vector<std::string> fields = StatFields(pid, &comm);
    if (fields.size() > 1 && fields[0] != "Z" &&
        fields[1] == absl::StrCat(server) && comm == "forge-launcher") {
      return pid;
    }
  }
  return -1;
}

// Live (not zombie) host processes named `comm`.
int CountNamed(const std::string& comm) {
  int count = 0;
  for (pid_t pid : AllPids()) {
    std::string name;
    std::vector<std::string> fields = StatFields(pid, &name);
    if (!fields.empty() && fields[0] != "Z" && name == comm) ++count;
  }
  return count;
}

// Entries of `dir` whose name starts with `prefix`.
int CountEntries(const std::string& dir, const std::string& prefix) {
  int count = 0;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* entry = ::readdir(d))
      count += absl::StartsWith(entry->d_name, prefix);
    ::closedir(d);
  }
  return count;
}

// Mount points of every cgroup hierarchy (v1 controllers and v2).
std::vector<std::string> CgroupMounts() {
  std::vector<std::string> mounts;
  for (absl::string_view line :
       absl::StrSplit(ReadAll("/proc/mounts"), '\n', absl::SkipEmpty())) {
    std::vector<std::string> fields = absl::StrSplit(line, ' ');
    if (fields.size() > 2 && absl::StartsWith(fields[2], "cgroup"))
      mounts.push_back(fields[1]);
  }
  return mounts;
}

// Processes in `dir` and every cgroup below it; -1 if `dir` is gone.
int ProcessesInCgroupTree(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return -1;
  int count = 0;
  for (absl::string_view line : absl::StrSplit(ReadAll(dir + "/cgroup.procs"),
                                               '\n', absl::SkipEmpty())) {
    (void)line;
    ++count;
  }
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (entry->d_type != DT_DIR || name == "." || name == "..") continue;
    count += std::max(0, ProcessesInCgroupTree(dir + "/" + name));
  }
  ::closedir(d);
  return count;
}

// Removes the cgroup tree at `dir`, deepest first (best effort).
void RemoveCgroupTree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* entry = ::readdir(d)) {
      const std::string name = entry->d_name;
      if (entry->d_type == DT_DIR && name != "." && name != "..")
        RemoveCgroupTree(dir + "/" + name);
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

// Audit lines naming `id` whose type is `type`.
std::vector<std::string> AuditLines(const std::vector<std::string>& files,
                                    const std::string& id,
                                    const std::string& type) {
  std::vector<std::string> lines;
  for (const std::string& file : files) {
    for (absl::string_view line :
         absl::StrSplit(ReadAll(file), '\n', absl::SkipEmpty())) {
      if (absl::StrContains(line, id) &&
          absl::StrContains(line, absl::StrCat("\"type\":\"", type, "\""))) {
        lines.emplace_back(line);
      }
    }
  }
  return lines;
}

std::string AcceptedId(const CollectedEvents& run) {
  for (const auto& event : run.events)
    if (event.has_accepted()) return event.accepted().execution_id();
  return "";
}

const forge::exec::v1::Started* FindStarted(const CollectedEvents& run) {
  for (const auto& event : run.events)
    if (event.has_started()) return &event.started();
  return nullptr;
}

std::string Describe(const CollectedEvents& run) {
  return absl::StrCat(
      "status=", run.status.error_code(), " ", run.status.error_message(),
      " outcome=", forge::exec::v1::Outcome_Name(run.finished.outcome()),
      " message=\"", run.finished.message(), "\" stdout=\"", run.stdout_data,
      "\" stderr=\"", run.stderr_data.substr(0, 300), "\"");
}

// Polls `done` every 20 ms for up to `limit`; returns its last value.
template <typename Predicate>
bool WaitFor(Predicate done, absl::Duration limit) {
  const absl::Time deadline = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(20));
  }
  return true;
}

class SandboxFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "forge-execd's sandbox needs root";
    char dir[] = "/tmp/forge-sbfaults-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    // Cgroups of this test's servers only, so the census counts nothing
    // of other servers on the host.
    static int tests = 0;
    cgroup_parent_ =
        absl::StrCat("forge-faults-test-", ::getpid(), "-", ++tests);
  }
  void TearDown() override {
    server_.reset();
    for (const std::string& mount : unmount_)
      ::umount2(mount.c_str(), MNT_DETACH);
    for (const std::string& mount : CgroupMounts())
      RemoveCgroupTree(absl::StrCat(mount, "/", cgroup_parent_));
    if (!dir_.empty()) std::system(absl::StrCat("rm -rf ", dir_).c_str());
  }

  // `sandbox_fields`: more fields of the config's sandbox block.
  void StartServer(const std::string& sandbox_fields,
                   const std::vector<std::string>& flags = {}) {
    auto server = ServerProcess::Start(
        absl::StrCat("sandbox { cgroup_parent: \"", cgroup_parent_, "\" ",
                     sandbox_fields, " }\n", "audit { dir: \"", dir_,
                     "/audit\" }\n"),
        flags);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    stub_ = server_->NewStub();
  }

  std::string dir_;
  std::string cgroup_parent_;
  std::vector<std::string> unmount_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<forge::exec::v1::ExecutionService::Stub> stub_;
};

// Property: the launcher dying (kill -9) mid-execution costs the running
// executions only: each ends with OUTCOME_INTERNAL_ERROR naming the
// launcher and has its audit start and end; no process of theirs, and no
// process in the dead launcher's cgroups, survives, nor its staging
// directory; the server logs the loss, counts the restart, starts a new
// launcher, and the next execution runs normally.
TEST_F(SandboxFaultsTest, LauncherKilledMidExecutionEndsJobsAndIsRestarted) {
  const int metrics_port = FreeLocalPort();
  ASSERT_GT(metrics_port, 0);
  ASSERT_NO_FATAL_FAILURE(StartServer(
      "", {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port)}));
  const pid_t launcher = LauncherOf(server_->pid());
  ASSERT_GT(launcher, 0) << server_->Log();

  // Each job prints, names itself (comm), forks a child that keeps the
  // name, and both sleep far past the test.
  const std::string marker = absl::StrCat("lfault", ::getpid() % 100000);
  forge::exec::v1::ExecuteRequest request =
      Request("python", absl::StrCat("import os, time\n"
                                     "print('running', flush=True)\n"
                                     "open('/proc/self/comm', 'w').write('",
                                     marker,
                                     "')\n"
                                     "os.fork()\n"
                                     "time.sleep(600)\n"));
  *request.mutable_limits()->mutable_wall_time() =
      google::protobuf::util::TimeUtil::SecondsToDuration(300);
  constexpr int kJobs = 3;
  std::vector<CollectedEvents> runs(kJobs);
  std::vector<std::thread> clients;
  for (int i = 0; i < kJobs; ++i) {
    clients.emplace_back(
        [&, i] { runs[i] = Execute(*stub_, request, absl::Seconds(120)); });
  }
  const bool all_running = WaitFor(
      [&] { return CountNamed(marker) >= 2 * kJobs; }, absl::Seconds(60));
  std::vector<std::string> instance_dirs;
  for (const std::string& mount : CgroupMounts()) {
    const std::string dir =
        absl::StrCat(mount, "/", cgroup_parent_, "/", launcher);
    if (ProcessesInCgroupTree(dir) > 0) instance_dirs.push_back(dir);
  }

  const std::string staging_prefix =
      absl::StrCat("forge-launcher-", launcher, "-");
  EXPECT_EQ(CountEntries("/tmp", staging_prefix), 1);

  ASSERT_EQ(::kill(launcher, SIGKILL), 0);
  for (std::thread& client : clients) client.join();
  ASSERT_TRUE(all_running) << "the jobs did not all start: "
                           << CountNamed(marker) << " processes";

  for (const CollectedEvents& run : runs) {
    ASSERT_TRUE(run.status.ok()) << Describe(run);
    ASSERT_TRUE(run.has_finished) << Describe(run);
    EXPECT_EQ(run.finished.outcome(), OUTCOME_INTERNAL_ERROR) << Describe(run);
    EXPECT_THAT(run.finished.message(), HasSubstr("launcher"));
    EXPECT_EQ(run.stdout_data, "running\n") << Describe(run);
  }
  // Nothing of the jobs survives, and the dead launcher's cgroups empty.
  EXPECT_TRUE(
      WaitFor([&] { return CountNamed(marker) == 0; }, absl::Seconds(10)))
      << CountNamed(marker) << " job processes outlived the launcher";
  EXPECT_FALSE(instance_dirs.empty())
      << "no cgroup of the launcher held the jobs";
  for (const std::string& dir : instance_dirs) {
    EXPECT_TRUE(WaitFor([&] { return ProcessesInCgroupTree(dir) <= 0; },
                        absl::Seconds(10)))
        << dir << " still holds " << ProcessesInCgroupTree(dir) << " processes";
  }

  // A new launcher, logged and counted; the next execution runs in it.
  pid_t restarted = -1;
  EXPECT_TRUE(WaitFor(
      [&] {
        restarted = LauncherOf(server_->pid());
        return restarted > 0 && restarted != launcher;
      },
      absl::Seconds(20)))
      << server_->Log();
  CollectedEvents after =
      Execute(*stub_, Request("python", "print('after restart')"));
  EXPECT_TRUE(after.status.ok()) << Describe(after);
  EXPECT_EQ(after.finished.outcome(), OUTCOME_EXITED) << Describe(after);
  EXPECT_EQ(after.stdout_data, "after restart\n");
  // Before serving, the new launcher removed the dead one's staging
  // directory.
  EXPECT_EQ(CountEntries("/tmp", staging_prefix), 0);
  const std::string log = server_->Log();
  EXPECT_THAT(log, HasSubstr(absl::StrCat("event=launcher_lost pid=", launcher,
                                          " cause=\"killed by signal 9")));
  EXPECT_THAT(log, HasSubstr(absl::StrCat("event=launcher_restarted pid=",
                                          restarted, " restarts=1")));
  const std::string metrics = ScrapeMetrics(metrics_port);
  EXPECT_EQ(MetricValue(metrics, "forge_exec_launcher_restarts_total"), 1)
      << metrics.substr(0, 400);
  EXPECT_EQ(
      MetricValue(metrics,
                  "forge_exec_executions_total{outcome=\"internal_error\","
                  "runtime=\"python\"}"),
      kJobs);

  ASSERT_TRUE(server_->Terminate(absl::Seconds(20)).ok()) << server_->Log();
  // The restarted launcher, too, shut down in order: it exited by itself,
  // and its cgroups are gone.
  EXPECT_THAT(server_->Log(),
              HasSubstr(absl::StrCat("event=launcher_stopped pid=", restarted,
                                     " exit=\"exited with status 0\"")));
  for (const std::string& mount : CgroupMounts()) {
    const std::string dir =
        absl::StrCat(mount, "/", cgroup_parent_, "/", restarted);
    EXPECT_NE(::access(dir.c_str(), F_OK), 0) << dir << " outlived the server";
  }
  const std::vector<std::string> files = AuditLogFiles(dir_ + "/audit");
  audit::VerifyReport report = audit::VerifyLogFiles(files, {});
  EXPECT_TRUE(report.ok) << audit::FormatVerdict(report);
  const std::set<std::string> audited = ExecutionsWithStartAndEnd(files);
  for (const CollectedEvents& run : runs) {
    const std::string id = AcceptedId(run);
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE(audited.count(id)) << id << " lacks its start or end";
    EXPECT_THAT(AuditLines(files, id, "execution_end"),
                Contains(HasSubstr("OUTCOME_INTERNAL_ERROR")))
        << id;
  }
}

// Property: a cgroup limit the launcher cannot write fails the execution
// closed — the program never runs without the limits it was given: the
// execution ends OUTCOME_INTERNAL_ERROR naming the cgroup file and the
// error, audited start and end, and no output. Fixing the cgroup tree
// brings normal service back. (A per-sandbox write failure is unexpected
// on a host whose cgroups worked at start-up, so it is not a reason to run
// with fewer protections; a host without writable cgroups at all degrades
// loudly instead: the next test.)
TEST_F(SandboxFaultsTest, CgroupLimitWriteFailureFailsClosed) {
  ASSERT_NO_FATAL_FAILURE(StartServer(""));
  const pid_t launcher = LauncherOf(server_->pid());
  ASSERT_GT(launcher, 0);
  ASSERT_TRUE(WaitFor([&] { return 0 < ReadySandboxes(*stub_, "bash"); },
                      absl::Seconds(60)))
      << "the bash pool did not fill";
  // The launcher's cgroup subtree becomes read-only (for everyone: a
  // read-only mount stops root too), ready sandboxes included.
  for (const std::string& mount : CgroupMounts()) {
    const std::string dir =
        absl::StrCat(mount, "/", cgroup_parent_, "/", launcher);
    if (::access(dir.c_str(), F_OK) != 0) continue;
    ASSERT_EQ(::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr), 0)
        << dir << ": " << strerror(errno);
    unmount_.push_back(dir);
    ASSERT_EQ(::mount(nullptr, dir.c_str(), nullptr,
                      MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr),
              0)
        << dir << ": " << strerror(errno);
  }
  ASSERT_FALSE(unmount_.empty()) << "the launcher made no cgroups";

  std::vector<std::string> failed_ids;
  // The first takes a ready sandbox (its limits cannot be set); the second
  // needs a new one (its cgroup cannot be made).
  for (int i = 0; i < 2; ++i) {
    CollectedEvents run =
        Execute(*stub_, Request("bash", "echo ran; echo ran >&2"));
    ASSERT_TRUE(run.status.ok()) << Describe(run);
    EXPECT_EQ(run.finished.outcome(), OUTCOME_INTERNAL_ERROR) << Describe(run);
    EXPECT_THAT(run.finished.message(), HasSubstr("Read-only file system"));
    EXPECT_THAT(run.finished.message(),
                HasSubstr(absl::StrCat(cgroup_parent_, "/", launcher)));
    EXPECT_EQ(run.stdout_data, "") << Describe(run);
    EXPECT_EQ(run.stderr_data, "") << Describe(run);
    failed_ids.push_back(AcceptedId(run));
  }

  for (const std::string& dir : unmount_) ::umount2(dir.c_str(), MNT_DETACH);
  unmount_.clear();
  CollectedEvents fixed;
  for (int i = 0; i < 20; ++i) {
    fixed = Execute(*stub_, Request("bash", "echo ran"));
    if (fixed.finished.outcome() == OUTCOME_EXITED) break;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_EQ(fixed.finished.outcome(), OUTCOME_EXITED) << Describe(fixed);
  EXPECT_EQ(fixed.stdout_data, "ran\n");
  const forge::exec::v1::Started* started = FindStarted(fixed);
  ASSERT_NE(started, nullptr);
  EXPECT_THAT(started->protections(), Contains("cgroup-memory"));

  ASSERT_TRUE(server_->Terminate(absl::Seconds(20)).ok()) << server_->Log();
  EXPECT_THAT(server_->Log(),
              HasSubstr(absl::StrCat("event=launcher_stopped pid=", launcher,
                                     " exit=\"exited with status 0\"")));
  const std::vector<std::string> files = AuditLogFiles(dir_ + "/audit");
  const std::set<std::string> audited = ExecutionsWithStartAndEnd(files);
  for (const std::string& id : failed_ids) {
    EXPECT_TRUE(audited.count(id)) << id << " lacks its start or end";
    EXPECT_THAT(AuditLines(files, id, "execution_end"),
                Contains(HasSubstr("OUTCOME_INTERNAL_ERROR")));
  }
}

// Property: on a host where no cgroup can be written (the launcher sees
// every cgroup hierarchy read-only, as in a container whose runtime mounts
// /sys/fs/cgroup read-only) the service still runs programs, with rlimits
// as the only resource limits, and says so loudly: a WARNING line in the
// log, forge_exec_sandbox_protection_active at 0 for every cgroup
// protection, and `started.protections` without them.
TEST_F(SandboxFaultsTest, UnwritableCgroupsDegradeLoudly) {
  const std::string wrapper = dir_ + "/launcher-ro-cgroups.sh";
  std::ofstream(wrapper) << absl::StrCat(
      "#!/bin/sh\n"
      "# forge-launcher in a mount namespace where every cgroup hierarchy\n"
      "# is read-only (same pid: the server stays its parent).\n"
      "exec /usr/bin/unshare --mount --propagation private /bin/sh -c '\n"
      "  for m in $(awk \"\\$3 ~ /^cgroup/ {print \\$2}\" /proc/mounts); do\n"
      "    mount -o remount,bind,ro \"$m\" || exit 1\n"
      "  done\n"
      "  exec \"$0\" \"$@\"' ",
      BuildDir(), "/sandbox/forge-launcher \"$@\"\n");
  ASSERT_EQ(::chmod(wrapper.c_str(), 0755), 0);
  const int metrics_port = FreeLocalPort();
  ASSERT_GT(metrics_port, 0);
  ASSERT_NO_FATAL_FAILURE(
      StartServer(absl::StrCat("launcher_path: \"", wrapper, "\""),
                  {absl::StrCat("--metrics_listen=127.0.0.1:", metrics_port)}));

  CollectedEvents run = Execute(*stub_, Request("bash", "echo degraded"));
  ASSERT_TRUE(run.status.ok()) << Describe(run) << server_->Log();
  EXPECT_EQ(run.finished.outcome(), OUTCOME_EXITED)
      << Describe(run) << server_->Log();
  EXPECT_EQ(run.stdout_data, "degraded\n");
  const forge::exec::v1::Started* started = FindStarted(run);
  ASSERT_NE(started, nullptr);
  for (const char* missing :
       {"cgroup-memory", "cgroup-pids", "cgroup-cpu", "cgroup-kill"}) {
    EXPECT_THAT(started->protections(), Not(Contains(missing)));
  }
  for (const char* kept : {"userns", "pidns", "seccomp", "rlimits"}) {
    EXPECT_THAT(started->protections(), Contains(kept));
  }
  EXPECT_THAT(server_->Log(), HasSubstr("WARNING"));
  EXPECT_THAT(server_->Log(), HasSubstr("rlimits only"));
  const std::string metrics = ScrapeMetrics(metrics_port);
  EXPECT_EQ(MetricValue(metrics,
                        "forge_exec_sandbox_protection_active{protection="
                        "\"cgroup-memory\"}"),
            0)
      << metrics;
  EXPECT_EQ(MetricValue(metrics,
                        "forge_exec_sandbox_protection_active{protection="
                        "\"seccomp\"}"),
            1);
  // Nothing was made under the read-only hierarchies.
  for (const std::string& mount : CgroupMounts()) {
    EXPECT_NE(::access(absl::StrCat(mount, "/", cgroup_parent_).c_str(), F_OK),
              0)
        << mount;
  }
}

}  // namespace
}  // namespace forge::testing
