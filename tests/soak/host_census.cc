#include "tests/soak/host_census.h"

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"

namespace forge::soak {
namespace {

// Calls `visit` with every numeric entry (a pid or fd) of `dir`.
void ForEachNumber(const std::string& dir,
                   const std::function<void(int)>& visit) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (dirent* entry = ::readdir(d)) {
    int n;
    if (absl::SimpleAtoi(entry->d_name, &n)) visit(n);
  }
  ::closedir(d);
}

int CountEntries(const std::string& dir) {
  int count = 0;
  ForEachNumber(dir, [&](int) { ++count; });
  return count;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The value (first number) of the line starting with `key` in `text`.
uint64_t FieldValue(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, key)) continue;
    rest = absl::StripLeadingAsciiWhitespace(rest);
    uint64_t value = 0;
    std::istringstream(std::string(rest)) >> value;
    return value;
  }
  return 0;
}

// Directories at or below `dir` (which counts itself if it exists).
int CountDirs(const std::string& dir, int depth) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  int count = 1;
  while (dirent* entry = ::readdir(d)) {
    if (entry->d_type != DT_DIR || depth > 6) continue;
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    count += CountDirs(dir + "/" + name, depth + 1);
  }
  ::closedir(d);
  return count;
}

// Cgroup directories of `launcher`'s instance in every hierarchy.
int CountLauncherCgroups(pid_t launcher) {
  int count = 0;
  DIR* d = ::opendir("/sys/fs/cgroup");
  if (d == nullptr) return 0;
  while (dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    count += CountDirs(
        absl::StrCat("/sys/fs/cgroup/", name, "/forge-exec/", launcher), 0);
  }
  ::closedir(d);
  // cgroup v2 only: /sys/fs/cgroup is the hierarchy itself.
  count += CountDirs(absl::StrCat("/sys/fs/cgroup/forge-exec/", launcher), 0);
  return count;
}

// The parent of `pid`, or 0.
pid_t ParentOf(pid_t pid) {
  const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
  const size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 3 >= stat.size()) return 0;
  int ppid = 0;
  std::istringstream(stat.substr(close + 3)) >> ppid;
  return ppid;
}

// Whether `pid` is `ancestor` or below it.
bool Descends(pid_t pid, pid_t ancestor) {
  for (int hops = 0; pid > 1 && hops < 64; ++hops) {
    if (pid == ancestor) return true;
    pid = ParentOf(pid);
  }
  return false;
}

}  // namespace

pid_t FindChild(pid_t parent, const std::string& name) {
  pid_t found = -1;
  ForEachNumber("/proc", [&](int pid) {
    if (found != -1) return;
    const std::string stat = ReadFile(absl::StrCat("/proc/", pid, "/stat"));
    // pid (comm) state ppid ...
    const size_t close = stat.rfind(')');
    const size_t open = stat.find('(');
    if (close == std::string::npos || open == std::string::npos) return;
    const std::string comm = stat.substr(open + 1, close - open - 1);
    int ppid = 0;
    std::istringstream(stat.substr(close + 3)) >> ppid;
    if (ppid == parent && absl::StartsWith(name, comm)) found = pid;
  });
  return found;
}

HostCensus HostCensus::Take(uid_t sandbox_host_uid, pid_t server,
                            pid_t launcher) {
  HostCensus census;
  ForEachNumber("/proc", [&](int pid) {
    struct stat st;
    if (::stat(absl::StrCat("/proc/", pid).c_str(), &st) == 0 &&
        st.st_uid == sandbox_host_uid &&
        (ParentOf(pid) == 1 || (launcher > 0 && Descends(pid, launcher)))) {
      ++census.sandbox_uid_processes;
    }
  });
  if (launcher > 0) census.cgroups = CountLauncherCgroups(launcher);
  const std::string mounts = ReadFile("/proc/self/mountinfo");
  for (char c : mounts) census.mounts += c == '\n';
  census.server_fds = CountEntries(absl::StrCat("/proc/", server, "/fd"));
  ForEachNumber(absl::StrCat("/proc/", server, "/task"), [&](int tid) {
    const std::string comm =
        ReadFile(absl::StrCat("/proc/", server, "/task/", tid, "/comm"));
    if (absl::StartsWith(comm, "default-executo") ||
        absl::StartsWith(comm, "resolver-execu")) {
      ++census.grpc_executor_threads;
    } else {
      ++census.server_threads;
    }
  });
  if (launcher > 0) {
    census.launcher_fds = CountEntries(absl::StrCat("/proc/", launcher, "/fd"));
    census.launcher_threads =
        CountEntries(absl::StrCat("/proc/", launcher, "/task"));
  }
  census.server_rss_kib =
      FieldValue(ReadFile(absl::StrCat("/proc/", server, "/status")), "VmRSS:");
  census.shmem_kib = FieldValue(ReadFile("/proc/meminfo"), "Shmem:");
  return census;
}

std::string HostCensus::Compare(const HostCensus& before,
                                const HostCensus& after) {
  std::string out;
  auto row = [&](const char* name, int64_t b, int64_t a) {
    absl::StrAppendFormat(&out, "  %-24s %10d -> %10d  (%+d)\n", name, b, a,
                          a - b);
  };
  row("sandbox-uid processes", before.sandbox_uid_processes,
      after.sandbox_uid_processes);
  row("forge cgroups", before.cgroups, after.cgroups);
  row("host mounts", before.mounts, after.mounts);
  row("server fds", before.server_fds, after.server_fds);
  row("server threads", before.server_threads, after.server_threads);
  row("gRPC executor threads", before.grpc_executor_threads,
      after.grpc_executor_threads);
  row("launcher fds", before.launcher_fds, after.launcher_fds);
  row("launcher threads", before.launcher_threads, after.launcher_threads);
  row("server RSS KiB", before.server_rss_kib, after.server_rss_kib);
  row("Shmem KiB", before.shmem_kib, after.shmem_kib);
  return out;
}

}  // namespace forge::soak
