// Hostile programs that go after files: host secrets, host /proc, writes
// outside the workspace, setuid binaries, leftovers for the next execution,
// and output files that point outside the workspace.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/hostile_harness.h"

namespace forge::testing::security {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::Not;

std::string OutcomeName(const CollectedEvents& run) {
  return forge::exec::v1::Outcome_Name(run.finished.outcome());
}

std::string ReadHostFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

bool HostPathExists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

class FilesystemTest : public HostileProgramTest {
 protected:
  static void SetUpTestSuite() { StartServer(); }
  static void TearDownTestSuite() { StopServer(); }

  // Whether the server fills finished.files for output_files yet.
  bool OutputFilesSupported() {
    ExecuteRequest probe = Request("bash", "echo probe > probe.txt");
    probe.add_output_files("probe.txt");
    CollectedEvents run = RunAlone(probe);
    return run.finished.files_size() > 0;
  }
};

// Property: host files that hold secrets or describe the host (shadow,
// sudoers, ssh keys, /root, /home, logs, the docker socket, /sys, the
// project tree, the server's own binary) do not exist in the sandbox.
TEST_F(FilesystemTest, HostSecretsAreAbsent) {
  const std::vector<std::string> extra = {SourceDir(), BuildDir(),
                                          BuildDir() + "/server/forge-execd"};
  CollectedEvents run = RunHostile(ProgramRequest("host_files.py", extra));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  const std::vector<std::string> lines = StdoutLines(run);
  EXPECT_GE(lines.size(), 25u) << Describe(run);
  for (const std::string& line : lines) {
    EXPECT_TRUE(absl::EndsWith(line, ": ENOENT")) << line;
  }
}

// Property: the host's account database is not visible; the sandbox has
// its own with only root, the sandbox user and nobody.
TEST_F(FilesystemTest, HostAccountsAreNotVisible) {
  CollectedEvents run = RunHostile(ProgramRequest("etc_passwd.sh"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_NE(run.stdout_data, ReadHostFile("/etc/passwd"));
  std::vector<std::string> users;
  for (const std::string& line : StdoutLines(run))
    users.push_back(line.substr(0, line.find(':')));
  EXPECT_THAT(users,
              ::testing::UnorderedElementsAre("root", "sandbox", "nobody"));
}

// Property: /proc shows only the sandbox's own pid namespace (no host pid
// exists in it); the sandbox's init cannot be inspected; host-wide /proc
// controls cannot be written.
TEST_F(FilesystemTest, ProcShowsOnlyTheSandbox) {
  CollectedEvents run = RunHostile(
      ProgramRequest("proc_view.py",
                     {absl::StrCat(::getpid()), absl::StrCat(server_->pid())}));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  // /proc/kcore and /proc/sysrq-trigger exist only on kernels built with
  // them; where they exist they must be refused.
  const auto refused_or_absent = [](const std::string& path) {
    return ::testing::AnyOf(path + ": EACCES", path + ": ENOENT");
  };
  const std::vector<::testing::Matcher<std::string>> expected = {
      "visible pids: [1, 2]",
      "host pid: absent",
      "host pid: absent",
      "/proc/1/environ: EACCES",
      "/proc/1/mem: EACCES",
      "/proc/1/maps: EACCES",
      "/proc/1/stack: EACCES",
      "/proc/1/root: EACCES",
      "/proc/1/cwd: EACCES",
      refused_or_absent("/proc/kcore"),
      refused_or_absent("/proc/sysrq-trigger"),
      "/proc/sys/kernel/hostname: EACCES",
      "/proc/sys/vm/drop_caches: EACCES",
      "/proc/sys/kernel/core_pattern: EACCES",
  };
  EXPECT_THAT(StdoutLines(run), ElementsAreArray(expected)) << Describe(run);
}

// Property: the sandbox's init (a clone of the host's forge-launcher)
// tells a program nothing of the host: /proc/1/cmdline, comm and status
// show a neutral name, not the launcher's host path or flags; its
// executable and working directory cannot be resolved; nothing else pid 1
// shows names the launcher or the build tree.
TEST_F(FilesystemTest, InitRevealsNothingOfTheHost) {
  CollectedEvents run = RunHostile(ProgramRequest("init_identity.py"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  const std::vector<std::string> lines = StdoutLines(run);
  ASSERT_GE(lines.size(), 5u) << Describe(run);
  EXPECT_EQ(lines[0], "cmdline: b'sandbox-init\\x00'");
  EXPECT_EQ(lines[1], "comm: b'sandbox-init\\n'");
  EXPECT_EQ(lines[2], "status: [b'Name:\\tsandbox-init']");
  EXPECT_EQ(lines[3], "exe: EACCES");
  EXPECT_EQ(lines[4], "cwd: EACCES");
  for (const std::string& host :
       {std::string("forge-launcher"), std::string("cgroup-parent"), BuildDir(),
        SourceDir()}) {
    if (host.size() < 2) continue;  // "." when run outside CTest
    EXPECT_THAT(run.stdout_data, Not(HasSubstr(host)));
  }
}

// Property: nothing outside /workspace and /tmp can be created, changed,
// renamed or removed: the root, /etc, /usr and /dev are read-only, /proc
// takes no new files, and devices cannot be made. Nothing reaches the
// host's /usr/bin or /etc.
TEST_F(FilesystemTest, WritesOutsideTheWorkspaceAreRefused) {
  const std::string marker = UniqueMarker("wout");
  CollectedEvents run =
      RunHostile(ProgramRequest("write_outside.py", {marker}));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  const std::string f = "forge-" + marker;
  EXPECT_THAT(StdoutLines(run),
              ElementsAreArray(std::vector<std::string>{
                  absl::StrCat("create /", f, " -> EROFS"),
                  absl::StrCat("create /etc/", f, " -> EROFS"),
                  absl::StrCat("create /usr/bin/", f, " -> EROFS"),
                  absl::StrCat("create /usr/lib/", f, " -> EROFS"),
                  absl::StrCat("create /dev/", f, " -> EROFS"),
                  absl::StrCat("create /proc/", f, " -> ENOENT"),
                  absl::StrCat("create /workspace/", f, " -> ok"),
                  absl::StrCat("create /tmp/", f, " -> ok"),
                  absl::StrCat("mkdir /", marker, " -> EROFS"),
                  "append /etc/passwd -> EROFS",
                  // Host-owned and not writable for the sandbox's uid: the
                  // permission check comes before the read-only one.
                  "append /usr/bin/python3 -> EACCES",
                  "rename /etc/hosts -> EROFS",
                  "unlink /usr/bin/bash -> EROFS",
                  "chmod /usr/bin/python3 -> EROFS",
                  "mknod /tmp/sda -> EPERM",
              }))
      << Describe(run);
  EXPECT_FALSE(HostPathExists("/usr/bin/" + f));
  EXPECT_FALSE(HostPathExists("/usr/lib/" + f));
  EXPECT_FALSE(HostPathExists("/etc/" + f));
  EXPECT_FALSE(HostPathExists("/" + f));
  EXPECT_FALSE(HostPathExists("/tmp/" + f));
}

// Property: setuid-root binaries of the host run with the sandbox's uid:
// the bind mounts are nosuid and the program has no_new_privs.
TEST_F(FilesystemTest, SetuidBinariesGrantNothing) {
  CollectedEvents run = RunHostile(ProgramRequest("setuid_binaries.py"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  const std::vector<std::string> lines = StdoutLines(run);
  ASSERT_GE(lines.size(), 4u) << Describe(run);
  EXPECT_EQ(lines[0], "/usr/bin nosuid: True");
  for (size_t i = 1; i < lines.size(); ++i) {
    EXPECT_TRUE(absl::EndsWith(lines[i], " runs as euid 1000")) << lines[i];
  }
}

// Property: nothing an execution writes is left for the next one: each
// starts with an empty /tmp and /dev/shm and a workspace holding only its
// own code.
TEST_F(FilesystemTest, NothingIsLeftForTheNextExecution) {
  const std::string marker = UniqueMarker("left");
  CollectedEvents first = RunAlone(ProgramRequest("leave_files.sh", {marker}));
  ASSERT_EQ(first.stdout_data, "3\n") << Describe(first);
  CollectedEvents run = RunHostile(ProgramRequest("look_for_leftovers.sh"));
  EXPECT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data, "/workspace: main.sh \n/tmp: \n/dev/shm: \n")
      << Describe(run);
}

// Property: output files are read without following links: a symlink to a
// host file, to /, or to /proc/self/environ is not returned, a hard link
// across file systems cannot be made, a FIFO does not hang the service, and
// a sparse file larger than the cap comes back truncated.
TEST_F(FilesystemTest, OutputFileTricksReturnNothingFromOutside) {
  if (!OutputFilesSupported())
    GTEST_SKIP() << "output_files not implemented yet";
  ExecuteRequest request = ProgramRequest("output_file_tricks.sh");
  for (const char* glob :
       {"link-to-passwd.txt", "link-to-shadow.txt", "link-to-root/etc/shadow",
        "link-to-root/etc/passwd", "link-to-environ.txt",
        "hard-link-to-passwd.txt", "pipe.txt", "sparse.txt", "plain.txt"}) {
    request.add_output_files(glob);
  }
  SetWallTime(request, absl::Seconds(10));
  CollectedEvents run = RunHostile(request, 20, absl::Seconds(30));
  ASSERT_EQ(OutcomeName(run), "OUTCOME_EXITED") << Describe(run);
  EXPECT_EQ(run.stdout_data, "hard link: refused\nplanted\n");
  const std::string host_passwd = ReadHostFile("/etc/passwd");
  std::vector<std::string> returned;
  for (const auto& file : run.finished.files()) {
    returned.push_back(file.path());
    EXPECT_THAT(file.content(), Not(HasSubstr("root:")))
        << file.path() << " carries an account database";
    EXPECT_NE(file.content(), host_passwd) << file.path();
    if (file.path() == "sparse.txt") {
      EXPECT_TRUE(file.truncated()) << Describe(run);
    }
  }
  EXPECT_THAT(returned,
              ::testing::UnorderedElementsAre("sparse.txt", "plain.txt"))
      << "only regular files inside the workspace may come back";
}

}  // namespace
}  // namespace forge::testing::security
