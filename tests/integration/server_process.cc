#include "tests/integration/server_process.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "grpcpp/grpcpp.h"

extern char** environ;

namespace forge::testing {

std::string BuildDir() {
  const char* dir = std::getenv("FORGE_BUILD_DIR");
  return dir ? dir : "build";
}

std::string SourceDir() {
  const char* dir = std::getenv("FORGE_SOURCE_DIR");
  return dir ? dir : ".";
}

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& config_text,
    const std::vector<std::string>& extra_flags) {
  std::unique_ptr<ServerProcess> server(new ServerProcess());
  char dir_template[] = "/tmp/forge-test-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return absl::InternalError("mkdtemp");
  server->dir_ = dir_template;
  const std::string config_path = server->dir_ + "/config.textproto";
  std::string overlay = "listen: \"127.0.0.1:0\"\nmetrics_listen: \"\"\n";
  if (config_text.find("cars {") == std::string::npos) {
    overlay +=
        "cars { high_action: POLICY_ACTION_APPROVE_WITH_LOG "
        "critical_action: POLICY_ACTION_APPROVE_WITH_LOG }\n";
  }
  if (config_text.find("audit {") == std::string::npos) {
    overlay += "audit { dir: \"" + server->dir_ + "/audit\" }\n";
  }
  std::ofstream(config_path) << overlay << config_text;
  const std::string binary = BuildDir() + "/server/forge-execd";
  // The flag, not the file: an empty string in a config overlay cannot
  // override the default (proto3 merge), and parallel test servers must not
  // share the default metrics port.
  std::vector<std::string> args = {binary, "--config", config_path,
                                   "--metrics_listen="};
  for (const std::string& flag : extra_flags) args.push_back(flag);
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string out = server->dir_ + "/stdout",
                    err = server->dir_ + "/stderr";
  posix_spawn_file_actions_addopen(&actions, 1, out.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int error = ::posix_spawn(&server->pid_, binary.c_str(), &actions, nullptr,
                            argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return absl::ErrnoToStatus(error, "spawn forge-execd");
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  while (absl::Now() < deadline) {
    std::string printed = ReadFile(out);
    size_t at = printed.find("listening on ");
    if (at != std::string::npos &&
        printed.find('\n', at) != std::string::npos) {
      size_t start = at + strlen("listening on ");
      server->address_ = printed.substr(start, printed.find('\n', at) - start);
      return server;
    }
    int status;
    if (::waitpid(server->pid_, &status, WNOHANG) == server->pid_) {
      server->pid_ = -1;
      return absl::InternalError(
          absl::StrCat("forge-execd exited at start: ", ReadFile(err)));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
  return absl::DeadlineExceededError("forge-execd did not start listening");
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status;
    ::waitpid(pid_, &status, 0);
  }
  std::system(absl::StrCat("rm -rf ", dir_).c_str());
}

std::unique_ptr<forge::exec::v1::ExecutionService::Stub>
ServerProcess::NewStub() const {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(256 << 20);
  return forge::exec::v1::ExecutionService::NewStub(grpc::CreateCustomChannel(
      address_, grpc::InsecureChannelCredentials(), args));
}

absl::StatusOr<int> ServerProcess::Terminate(absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  ::kill(pid_, SIGTERM);
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int status;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return status;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  return absl::DeadlineExceededError("forge-execd did not exit after SIGTERM");
}

uint64_t ServerProcess::RssBytes() const {
  for (absl::string_view line : absl::StrSplit(
           ReadFile(absl::StrCat("/proc/", pid_, "/status")), '\n')) {
    if (absl::StartsWith(line, "VmRSS:")) {
      std::vector<absl::string_view> parts =
          absl::StrSplit(line, ' ', absl::SkipEmpty());
      uint64_t kb = 0;
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb))
        return kb * 1024;
    }
  }
  return 0;
}

std::string ServerProcess::Log() const { return ReadFile(dir_ + "/stderr"); }

void SetIdentity(grpc::ClientContext& context, const TestIdentity& identity) {
  if (!identity.tenant.empty())
    context.AddMetadata("x-forge-tenant", identity.tenant);
  if (!identity.principal.empty())
    context.AddMetadata("x-forge-principal", identity.principal);
  if (!identity.roles.empty())
    context.AddMetadata("x-forge-roles", identity.roles);
}

CollectedEvents Execute(forge::exec::v1::ExecutionService::Stub& stub,
                        const forge::exec::v1::ExecuteRequest& request,
                        absl::Duration deadline, const TestIdentity* identity) {
  CollectedEvents collected;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  if (identity != nullptr) SetIdentity(context, *identity);
  auto reader = stub.Execute(&context, request);
  forge::exec::v1::ExecuteEvent event;
  while (reader->Read(&event)) {
    if (event.has_output()) {
      (event.output().stream() == forge::exec::v1::STREAM_STDOUT
           ? collected.stdout_data
           : collected.stderr_data) += event.output().data();
    }
    if (event.has_finished()) {
      collected.finished = event.finished();
      collected.has_finished = true;
    }
    collected.events.push_back(event);
  }
  collected.status = reader->Finish();
  return collected;
}

forge::exec::v1::ExecuteRequest Request(const std::string& runtime,
                                        const std::string& code) {
  forge::exec::v1::ExecuteRequest request;
  request.set_runtime(runtime);
  request.set_code(code);
  return request;
}

uint32_t ReadySandboxes(forge::exec::v1::ExecutionService::Stub& stub,
                        const std::string& runtime) {
  grpc::ClientContext context;
  forge::exec::v1::ListRuntimesResponse response;
  if (!stub.ListRuntimes(&context, {}, &response).ok()) return 0;
  for (const auto& described : response.runtimes()) {
    if (described.name() == runtime) return described.ready();
  }
  return 0;
}

bool WaitForReadySandboxes(forge::exec::v1::ExecutionService::Stub& stub,
                           const std::string& runtime, uint32_t count,
                           absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (ReadySandboxes(stub, runtime) < count) {
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

int CountProcessesMatching(const std::string& needle) {
  int count = 0;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return -1;
  while (dirent* entry = ::readdir(proc)) {
    int pid;
    if (!absl::SimpleAtoi(entry->d_name, &pid) || pid == ::getpid()) continue;
    std::string cmdline = ReadFile(absl::StrCat("/proc/", pid, "/cmdline"));
    for (char& c : cmdline) {
      if (c == '\0') c = ' ';
    }
    if (absl::StrContains(cmdline, needle)) ++count;
  }
  ::closedir(proc);
  return count;
}

grpc::Status DecideApprovalAs(
    forge::exec::v1::ExecutionService::Stub& stub, const TestIdentity& who,
    const std::string& id,
    forge::exec::v1::DecideApprovalRequest::Decision decision,
    const std::string& reason, forge::exec::v1::Approval* approval) {
  grpc::ClientContext context;
  SetIdentity(context, who);
  forge::exec::v1::DecideApprovalRequest request;
  request.set_approval_id(id);
  request.set_decision(decision);
  request.set_reason(reason);
  return stub.DecideApproval(&context, request, approval);
}

std::vector<std::string> AuditLogFiles(const std::string& dir) {
  std::vector<std::string> files;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* entry = ::readdir(d)) {
      const std::string name = entry->d_name;
      if (absl::StartsWith(name, "audit-") && absl::EndsWith(name, ".jsonl"))
        files.push_back(absl::StrCat(dir, "/", name));
    }
    ::closedir(d);
  }
  std::sort(files.begin(), files.end());
  return files;
}

int CountAuditLines(const std::string& dir, const std::string& type,
                    const std::vector<std::string>& parts) {
  const std::string type_field = absl::StrCat("\"type\":\"", type, "\"");
  int count = 0;
  for (const std::string& file : AuditLogFiles(dir)) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      if (!absl::StrContains(line, type_field)) continue;
      bool all = true;
      for (const std::string& part : parts) {
        all = all && absl::StrContains(line, part);
      }
      count += all;
    }
  }
  return count;
}

std::set<std::string> ExecutionsWithStartAndEnd(
    const std::vector<std::string>& files) {
  std::set<std::string> starts, ends;
  const std::string id_field = "\"execution_id\":\"";
  for (const std::string& file : files) {
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
      const size_t at = line.find(id_field);
      if (at == std::string::npos) continue;
      const size_t begin = at + id_field.size();
      const std::string id = line.substr(begin, line.find('"', begin) - begin);
      if (absl::StrContains(line, "\"type\":\"execution_start\""))
        starts.insert(id);
      if (absl::StrContains(line, "\"type\":\"execution_end\""))
        ends.insert(id);
    }
  }
  std::set<std::string> both;
  for (const std::string& id : starts)
    if (ends.count(id)) both.insert(id);
  return both;
}

// A free TCP port on 127.0.0.1 (free when this returns).
int FreeLocalPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

// GET /metrics from 127.0.0.1:`port`.
std::string ScrapeMetrics(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
      0) {
    const std::string get = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::write(fd, get.data(), get.size()) ==
        static_cast<ssize_t>(get.size())) {
      char buffer[8192];
      ssize_t n;
      while ((n = ::read(fd, buffer, sizeof(buffer))) > 0)
        response.append(buffer, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

// The value of the sample line starting with `series` ("name{labels}").
double MetricValue(const std::string& metrics, const std::string& series) {
  for (absl::string_view line : absl::StrSplit(metrics, '\n')) {
    if (!absl::StartsWith(line, series + " ")) continue;
    double value = -1;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return -1;
}

}  // namespace forge::testing
