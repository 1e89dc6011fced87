// The stdio transport of mcp_session.h.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "server/mcp/jsonrpc.h"
#include "server/mcp/mcp_session.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;

// A message longer than this is a broken server; the session is dropped.
constexpr size_t kMaxLineBytes = 64 << 20;

class StdioSession final : public McpSession {
 public:
  StdioSession(pid_t pid, UniqueFd fd) : pid_(pid), fd_(std::move(fd)) {
    reader_ = std::thread([this] { ReadLoop(); });
  }

  ~StdioSession() override {
    ::kill(-pid_, SIGKILL);  // the whole process group
    ::kill(pid_, SIGKILL);
    ::shutdown(fd_.get(), SHUT_RDWR);
    reader_.join();
    int status;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }

  absl::StatusOr<json> Request(const std::string& method, json params,
                               absl::Time deadline) override {
    int64_t id;
    {
      absl::MutexLock lock(&mutex_);
      if (!alive_) return Gone();
      id = next_id_++;
      pending_[id];
    }
    if (absl::Status sent = Send(JsonRpcMessage(id, method, std::move(params)));
        !sent.ok()) {
      absl::MutexLock lock(&mutex_);
      pending_.erase(id);
      return sent;
    }
    absl::MutexLock lock(&mutex_);
    auto answered = [this, id]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
      return !alive_ || pending_[id].done;
    };
    mutex_.AwaitWithDeadline(absl::Condition(&answered), deadline);
    Pending pending = std::move(pending_[id]);
    pending_.erase(id);
    if (!pending.done) {
      if (!alive_) return Gone();
      return absl::DeadlineExceededError(
          absl::StrCat("no answer to ", method, " in time"));
    }
    return JsonRpcResult(pending.response);
  }

  absl::Status Notify(const std::string& method, json params) override {
    return Send(JsonRpcMessage(-1, method, std::move(params)));
  }

  bool Alive() const override {
    absl::MutexLock lock(&mutex_);
    return alive_;
  }

 private:
  struct Pending {
    bool done = false;
    json response;
  };

  absl::Status Gone() const {
    return absl::UnavailableError(absl::StrCat(
        "MCP server process exited", exit_note_.empty() ? "" : " (", exit_note_,
        exit_note_.empty() ? "" : ")"));
  }

  absl::Status Send(const json& message) {
    const std::string line = message.dump() + "\n";
    absl::MutexLock lock(&write_mutex_);
    size_t done = 0;
    while (done < line.size()) {
      ssize_t n = ::send(fd_.get(), line.data() + done, line.size() - done,
                         MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        MarkDead("write failed");
        return absl::UnavailableError("MCP server process is gone");
      }
      done += static_cast<size_t>(n);
    }
    return absl::OkStatus();
  }

  void MarkDead(const std::string& note) {
    absl::MutexLock lock(&mutex_);
    if (alive_ && exit_note_.empty()) exit_note_ = note;
    alive_ = false;
  }

  void ReadLoop() {
    std::string buffer;
    char chunk[65536];
    while (true) {
      ssize_t n = ::read(fd_.get(), chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t start = 0;
      for (size_t end; (end = buffer.find('\n', start)) != std::string::npos;
           start = end + 1) {
        Dispatch(absl::string_view(buffer).substr(start, end - start));
      }
      buffer.erase(0, start);
      if (buffer.size() > kMaxLineBytes) {
        MarkDead("message too large");
        return;
      }
    }
    MarkDead("end of output");
  }

  void Dispatch(absl::string_view line) {
    json message = json::parse(line.begin(), line.end(), nullptr,
                               /*allow_exceptions=*/false);
    if (!message.is_object()) return;  // log noise on stdout: ignore
    const bool has_id = message.contains("id");
    if (message.contains("method")) {
      // A request from the server. We offer no client capabilities; answer
      // ping, refuse the rest so the server never waits on us.
      if (!has_id) return;
      json reply = {{"jsonrpc", "2.0"}, {"id", message["id"]}};
      if (message["method"] == "ping") {
        reply["result"] = json::object();
      } else {
        reply["error"] = {{"code", -32601}, {"message", "method not found"}};
      }
      (void)Send(reply);
      return;
    }
    if (!has_id || !message["id"].is_number_integer()) return;
    const int64_t id = message["id"].get<int64_t>();
    absl::MutexLock lock(&mutex_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;  // timed out already
    it->second.done = true;
    it->second.response = std::move(message);
  }

  const pid_t pid_;
  UniqueFd fd_;
  std::thread reader_;
  absl::Mutex write_mutex_;
  mutable absl::Mutex mutex_;
  bool alive_ ABSL_GUARDED_BY(mutex_) = true;
  std::string exit_note_ ABSL_GUARDED_BY(mutex_);
  int64_t next_id_ ABSL_GUARDED_BY(mutex_) = 1;
  std::map<int64_t, Pending> pending_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace

absl::StatusOr<std::unique_ptr<McpSession>> StartStdioSession(
    const StdioCommand& command) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
    return LastErrorStatus("socketpair");
  UniqueFd ours(fds[0]);
  UniqueFd theirs(fds[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(), 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own session: killing the group kills whatever it started.
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(command.command.c_str()));
  for (const std::string& arg : command.args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const std::string& entry : command.env)
    envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  pid_t pid;
  const int error = ::posix_spawn(&pid, command.command.c_str(), &actions,
                                  &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (error != 0) {
    return absl::ErrnoToStatus(
        error, absl::StrCat("start MCP server ", command.command));
  }
  return std::unique_ptr<McpSession>(new StdioSession(pid, std::move(ours)));
}

}  // namespace forge::mcp
