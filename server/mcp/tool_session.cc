#include "server/mcp/tool_session.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"
#include "server/mcp/module_generator.h"

namespace forge::mcp {

struct ToolSession::Shared {
  Shared(ToolBinding& binding, std::unique_ptr<CallerScope> caller)
      : binding(binding), caller(std::move(caller)) {}
  ToolBinding& binding;
  std::unique_ptr<CallerScope> caller;
  uint64_t max_line_bytes = 0;
  int64_t peer_uid = -1;  // the only host uid that may connect; -1: any
  UniqueFd listener;
  UniqueFd wake;  // eventfd: Stop() writes it
  absl::Mutex mutex;
  bool stopping ABSL_GUARDED_BY(mutex) = false;
  std::set<int> connections ABSL_GUARDED_BY(mutex);
  absl::CondVar slot_free;
};

namespace {

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::error_code error;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(),
                                      error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("mkdir for ", path, ": ", error.message()));
  }
  UniqueFd fd(::open(path.c_str(),
                     O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
                     0644));
  if (fd.get() < 0) return LastErrorStatus(absl::StrCat("create ", path));
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return LastErrorStatus(absl::StrCat("write ", path));
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

void RemoveTree(const std::string& dir) {
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

bool SendAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n =
        ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ToolSession>> ToolSession::Start(
    ToolBinding& binding, const std::string& tools_dir,
    std::unique_ptr<CallerScope> caller,
    const std::vector<const ToolDefinition*>& tools, int64_t peer_uid) {
  std::error_code error;
  if (!std::filesystem::exists(tools_dir, error)) {
    std::filesystem::create_directories(tools_dir, error);
    if (error) {
      return absl::InternalError(
          absl::StrCat("mkdir ", tools_dir, ": ", error.message()));
    }
    ::chmod(tools_dir.c_str(), 0711);
  }
  const std::string dir = absl::StrCat(tools_dir, "/", caller->execution_id);
  if (::mkdir(dir.c_str(), 0755) != 0)
    return LastErrorStatus(absl::StrCat("mkdir ", dir));
  ::chmod(dir.c_str(), 0755);  // whatever the umask
  auto fail = [&dir](absl::Status status) {
    RemoveTree(dir);
    return status;
  };
  for (const GeneratedFile& file : GenerateToolTree(tools)) {
    if (absl::Status written =
            WriteFile(absl::StrCat(dir, "/", file.path), file.content);
        !written.ok())
      return fail(written);
  }
  // Directories the tree made: readable by the sandbox's uid.
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(dir, error)) {
    if (entry.is_directory()) ::chmod(entry.path().c_str(), 0755);
  }

  auto shared = std::make_shared<Shared>(binding, std::move(caller));
  shared->max_line_bytes = 1 << 20;
  shared->peer_uid = peer_uid;
  const std::string socket_path = absl::StrCat(dir, "/", kToolSocketName);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) {
    return fail(absl::InvalidArgumentError(
        absl::StrCat("socket path too long: ", socket_path)));
  }
  std::memcpy(address.sun_path, socket_path.c_str(), socket_path.size() + 1);
  shared->listener.Reset(
      ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (shared->listener.get() < 0) return fail(LastErrorStatus("socket"));
  if (::bind(shared->listener.get(), reinterpret_cast<sockaddr*>(&address),
             sizeof(address)) != 0)
    return fail(LastErrorStatus(absl::StrCat("bind ", socket_path)));
  if (::chmod(socket_path.c_str(), 0666) != 0)
    return fail(LastErrorStatus(absl::StrCat("chmod ", socket_path)));
  if (::listen(shared->listener.get(), kMaxConnections) != 0)
    return fail(LastErrorStatus("listen"));
  shared->wake.Reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (shared->wake.get() < 0) return fail(LastErrorStatus("eventfd"));

  std::unique_ptr<ToolSession> session(new ToolSession(dir, shared));
  session->acceptor_ = std::thread(&ToolSession::AcceptLoop, shared);
  return session;
}

ToolSession::ToolSession(std::string host_dir, std::shared_ptr<Shared> shared)
    : host_dir_(std::move(host_dir)), shared_(std::move(shared)) {}

ToolSession::~ToolSession() { Stop(); }

void ToolSession::Stop() {
  if (stopped_) return;
  stopped_ = true;
  {
    absl::MutexLock lock(&shared_->mutex);
    shared_->stopping = true;
    // Calls in flight see their connection shut; they end on their own and
    // their replies go nowhere. This comes before ending the scope below:
    // a call that stops waiting must find its connection already shut, or
    // its reply would reach a program whose execution has ended.
    for (int fd : shared_->connections) ::shutdown(fd, SHUT_RDWR);
    shared_->slot_free.SignalAll();
  }
  // A call waiting for a person's approval stops waiting.
  shared_->caller->End();
  const uint64_t one = 1;
  (void)!::write(shared_->wake.get(), &one, sizeof(one));
  if (acceptor_.joinable()) acceptor_.join();
  RemoveTree(host_dir_);
}

void ToolSession::AcceptLoop(std::shared_ptr<Shared> shared) {
  while (true) {
    {
      absl::MutexLock lock(&shared->mutex);
      auto room = [&shared]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(shared->mutex) {
        return shared->stopping || shared->connections.size() < kMaxConnections;
      };
      shared->mutex.Await(absl::Condition(&room));
      if (shared->stopping) return;
    }
    pollfd fds[2] = {{shared->listener.get(), POLLIN, 0},
                     {shared->wake.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    int fd = ::accept4(shared->listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;  // EAGAIN, ECONNABORTED, ...
    if (shared->peer_uid >= 0) {
      // Only the sandbox's user may call: the socket file is 0666 so the
      // sandbox can reach it, but a host process of another user must not.
      ucred peer{};
      socklen_t len = sizeof(peer);
      if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &len) != 0 ||
          static_cast<int64_t>(peer.uid) != shared->peer_uid) {
        ::close(fd);
        continue;
      }
    }
    {
      absl::MutexLock lock(&shared->mutex);
      if (shared->stopping) {
        ::close(fd);
        return;
      }
      shared->connections.insert(fd);
    }
    std::thread(&ToolSession::Serve, shared, fd).detach();
  }
}

void ToolSession::Serve(std::shared_ptr<Shared> shared, int fd) {
  std::string buffer;
  char chunk[65536];
  bool open = true;
  while (open) {
    ssize_t n = ::recv(fd, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buffer.append(chunk, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t end;
         open && (end = buffer.find('\n', start)) != std::string::npos;
         start = end + 1) {
      ToolReply reply = shared->binding.Call(
          *shared->caller,
          absl::string_view(buffer).substr(start, end - start));
      open = SendAll(fd, reply.Serialize() + "\n");
    }
    buffer.erase(0, start);
    if (buffer.size() > shared->max_line_bytes) {
      ToolReply too_long;
      too_long.code = "ARGUMENTS_TOO_LARGE";
      too_long.message = "request line too long";
      (void)SendAll(fd, too_long.Serialize() + "\n");
      break;
    }
  }
  absl::MutexLock lock(&shared->mutex);
  shared->connections.erase(fd);
  ::close(fd);
}

}  // namespace forge::mcp
