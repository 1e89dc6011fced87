#include "sandbox/launcher_client.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/fd_passing.h"
#include "sandbox/job_payload.h"
#include "sandbox/launcher_protocol.h"
#include "sandbox/output_files.h"

extern char** environ;

namespace forge::sandbox {

// The socket and the pending callbacks, shared by the client and every
// Sandbox it made (a Sandbox may outlive a request but not the process).
class LauncherConnection
    : public std::enable_shared_from_this<LauncherConnection> {
 public:
  LauncherConnection(UniqueFd socket, LauncherClient::LostCallback on_lost)
      : socket_(std::move(socket)), on_lost_(std::move(on_lost)) {}

  void StartReader() {
    reader_ = std::thread([self = shared_from_this()] { self->ReadLoop(); });
  }

  // Shuts the socket down and joins the reader, which fails what is pending.
  void Close() {
    ::shutdown(socket_.get(), SHUT_RDWR);
    if (reader_.joinable()) reader_.join();
  }

  void Create(const SandboxSpec& spec, absl::Span<const int> fds,
              LauncherClient::CreatedCallback done) {
    bool registered = false;
    {
      absl::MutexLock lock(&mutex_);
      if (alive_) {
        created_[spec.sandbox_id] = std::move(done);
        registered = true;
      }
    }
    if (!registered) {
      std::move(done)(
          absl::UnavailableError("the sandbox launcher is not running"));
      return;
    }
    absl::Status sent = Send(Encode(CreateRequest{spec}), fds);
    if (!sent.ok()) FailCreate(spec.sandbox_id, sent);
  }

  void Run(const std::string& id, const ResourceLimits& limits, bool held,
           absl::Span<const int> fds, Sandbox::FinishedCallback done) {
    bool registered = false;
    {
      absl::MutexLock lock(&mutex_);
      if (alive_) {
        finished_[id] = std::move(done);
        registered = true;
      }
    }
    if (!registered) {
      std::move(done)(LostResult());
      return;
    }
    absl::Status sent = Send(Encode(StartRequest{id, limits, held}), fds);
    if (!sent.ok()) FailFinished(id);
  }

  void Kill(const std::string& id) { (void)Send(Encode(KillRequest{id}), {}); }

  bool alive() const {
    absl::MutexLock lock(&mutex_);
    return alive_;
  }

 private:
  static SandboxResult LostResult() {
    SandboxResult result;
    result.termination = Termination::kSetupError;
    result.message =
        "the sandbox launcher exited while this job ran; the sandbox and "
        "its processes were killed (re-submit the request)";
    return result;
  }

  absl::Status Send(const std::string& message, absl::Span<const int> fds) {
    absl::MutexLock lock(&send_mutex_);
    return SendMessage(socket_.get(), message, fds);
  }

  void FailCreate(const std::string& id, const absl::Status& status) {
    LauncherClient::CreatedCallback done;
    {
      absl::MutexLock lock(&mutex_);
      auto it = created_.find(id);
      if (it == created_.end()) return;
      done = std::move(it->second);
      created_.erase(it);
    }
    std::move(done)(status);
  }

  void FailFinished(const std::string& id) {
    Sandbox::FinishedCallback done;
    {
      absl::MutexLock lock(&mutex_);
      auto it = finished_.find(id);
      if (it == finished_.end()) return;
      done = std::move(it->second);
      finished_.erase(it);
    }
    std::move(done)(LostResult());
  }

  void ReadLoop() {
    while (true) {
      absl::StatusOr<ReceivedMessage> message = ReceiveMessage(socket_.get());
      if (!message.ok()) break;
      absl::StatusOr<MessageType> type = PeekType(message->data);
      if (!type.ok()) break;
      if (*type == MessageType::kCreated) {
        absl::StatusOr<CreatedReply> reply = DecodeCreatedReply(message->data);
        if (!reply.ok()) break;
        OnCreated(std::move(*reply));
      } else if (*type == MessageType::kFinished) {
        absl::StatusOr<FinishedReply> reply =
            DecodeFinishedReply(message->data);
        if (!reply.ok()) break;
        if (message->fds.size() == 1) {
          absl::StatusOr<std::vector<OutputFileData>> files =
              ReadOutputFiles(message->fds[0].get());
          if (files.ok()) {
            reply->result.files = std::move(*files);
          } else {
            reply->result.message = absl::StrCat("output files unreadable: ",
                                                 files.status().message());
          }
        }
        OnFinished(std::move(*reply));
      } else {
        break;
      }
    }
    // The launcher is gone (or spoke nonsense): fail everything pending.
    absl::flat_hash_map<std::string, LauncherClient::CreatedCallback> created;
    absl::flat_hash_map<std::string, Sandbox::FinishedCallback> finished;
    {
      absl::MutexLock lock(&mutex_);
      alive_ = false;
      created.swap(created_);
      finished.swap(finished_);
    }
    for (auto& [id, done] : created) {
      std::move(done)(absl::UnavailableError("the sandbox launcher exited"));
    }
    for (auto& [id, done] : finished) std::move(done)(LostResult());
    if (on_lost_) std::move(on_lost_)();
  }

  void OnCreated(CreatedReply reply) {
    LauncherClient::CreatedCallback done;
    {
      absl::MutexLock lock(&mutex_);
      auto it = created_.find(reply.sandbox_id);
      if (it == created_.end()) return;
      done = std::move(it->second);
      created_.erase(it);
    }
    if (!reply.status.ok()) {
      std::move(done)(reply.status);
      return;
    }
    std::move(done)(std::unique_ptr<Sandbox>(new Sandbox(
        shared_from_this(), reply.sandbox_id, std::move(reply.protections))));
  }

  void OnFinished(FinishedReply reply) {
    Sandbox::FinishedCallback done;
    {
      absl::MutexLock lock(&mutex_);
      auto it = finished_.find(reply.sandbox_id);
      if (it == finished_.end()) return;
      done = std::move(it->second);
      finished_.erase(it);
    }
    std::move(done)(std::move(reply.result));
  }

  UniqueFd socket_;
  LauncherClient::LostCallback on_lost_;  // reader thread only
  std::thread reader_;
  absl::Mutex send_mutex_;
  mutable absl::Mutex mutex_;
  bool alive_ ABSL_GUARDED_BY(mutex_) = true;
  absl::flat_hash_map<std::string, LauncherClient::CreatedCallback> created_
      ABSL_GUARDED_BY(mutex_);
  absl::flat_hash_map<std::string, Sandbox::FinishedCallback> finished_
      ABSL_GUARDED_BY(mutex_);
};

Sandbox::Sandbox(std::shared_ptr<LauncherConnection> connection, std::string id,
                 std::vector<std::string> protections)
    : connection_(std::move(connection)),
      id_(std::move(id)),
      protections_(std::move(protections)) {}

Sandbox::~Sandbox() { connection_->Kill(id_); }

void Sandbox::Run(const ResourceLimits& limits, JobFds job,
                  FinishedCallback done) {
  if (ran_) {
    SandboxResult result;
    result.message = "sandbox already used";
    std::move(done)(std::move(result));
    return;
  }
  ran_ = true;
  // Without stdio (a warm sandbox's is in place) only the payload goes; a
  // held job's release pipe comes last.
  int fds[kJobFdCount + 1];
  size_t count = 0;
  fds[count++] = job.payload.get();
  if (job.stdin_fd.valid() || job.stdout_fd.valid()) {
    fds[count++] = job.stdin_fd.get();
    fds[count++] = job.stdout_fd.get();
    fds[count++] = job.stderr_fd.get();
  }
  const bool held = job.release.valid();
  if (held) fds[count++] = job.release.get();
  connection_->Run(id_, limits, held, absl::Span<const int>(fds, count),
                   std::move(done));
}

void Sandbox::Kill() { connection_->Kill(id_); }

bool Sandbox::launcher_alive() const { return connection_->alive(); }

LauncherClient::LauncherClient(std::shared_ptr<LauncherConnection> connection,
                               pid_t pid)
    : connection_(std::move(connection)), pid_(pid) {}

absl::StatusOr<std::unique_ptr<LauncherClient>> LauncherClient::Start(
    const std::string& launcher_path, const std::vector<std::string>& args,
    LostCallback on_lost) {
  if (::access(launcher_path.c_str(), X_OK) != 0) {
    return LastErrorStatus(absl::StrCat("launcher binary ", launcher_path));
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) != 0) {
    return LastErrorStatus("socketpair");
  }
  UniqueFd ours(pair[0]);
  UniqueFd theirs(pair[1]);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, theirs.get(),
                                   3);  // clears CLOEXEC
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGCHLD);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes,
                           POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv = {const_cast<char*>(launcher_path.c_str())};
  for (const std::string& arg : args)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid;
  int error = ::posix_spawn(&pid, launcher_path.c_str(), &actions, &attributes,
                            argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (error != 0) return absl::ErrnoToStatus(error, "spawn forge-launcher");
  auto connection =
      std::make_shared<LauncherConnection>(std::move(ours), std::move(on_lost));
  connection->StartReader();
  return std::unique_ptr<LauncherClient>(
      new LauncherClient(std::move(connection), pid));
}

LauncherClient::~LauncherClient() { Stop(); }

int LauncherClient::Stop() {
  absl::MutexLock lock(&stop_mutex_);
  if (wait_status_) return *wait_status_;
  connection_->Close();
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  wait_status_ = status;
  return status;
}

void LauncherClient::Create(const SandboxSpec& spec, CreatedCallback done) {
  connection_->Create(spec, {}, std::move(done));
}

void LauncherClient::CreateWarm(const SandboxSpec& spec, WarmStdio stdio,
                                CreatedCallback done) {
  if (!spec.is_warm() || !stdio.stdin_fd.valid() || !stdio.stdout_fd.valid() ||
      !stdio.stderr_fd.valid()) {
    std::move(done)(absl::InvalidArgumentError(
        "a warm sandbox needs a warm start and its three stdio descriptors"));
    return;
  }
  const int fds[kWarmStdioCount] = {stdio.stdin_fd.get(), stdio.stdout_fd.get(),
                                    stdio.stderr_fd.get()};
  connection_->Create(spec, fds, std::move(done));
}

absl::StatusOr<std::unique_ptr<Sandbox>> LauncherClient::CreateSync(
    const SandboxSpec& spec) {
  absl::Notification ready;
  absl::StatusOr<std::unique_ptr<Sandbox>> result;
  Create(spec, [&](absl::StatusOr<std::unique_ptr<Sandbox>> created) {
    result = std::move(created);
    ready.Notify();
  });
  ready.WaitForNotification();
  return result;
}

bool LauncherClient::alive() const { return connection_->alive(); }

namespace {

absl::Status MakePipe(UniqueFd& read_end, UniqueFd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return LastErrorStatus("pipe2");
  read_end.Reset(fds[0]);
  write_end.Reset(fds[1]);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CollectedRun> RunAndCollect(Sandbox& sandbox, const JobSpec& job,
                                           const ResourceLimits& limits,
                                           absl::string_view stdin_data) {
  FORGE_ASSIGN_OR_RETURN(UniqueFd payload, WriteJobPayload(job));
  FORGE_ASSIGN_OR_RETURN(UniqueFd stdin_fd,
                         MakeReadOnlyMemfd("forge-stdin", stdin_data));
  UniqueFd out_read, out_write, err_read, err_write;
  FORGE_RETURN_IF_ERROR(MakePipe(out_read, out_write));
  FORGE_RETURN_IF_ERROR(MakePipe(err_read, err_write));
  CollectedRun run;
  absl::Notification finished;
  sandbox.Run(limits,
              {std::move(payload), std::move(stdin_fd), std::move(out_write),
               std::move(err_write)},
              [&](SandboxResult result) {
                run.result = std::move(result);
                finished.Notify();
              });
  FORGE_RETURN_IF_ERROR(ReadUntilBothClose(out_read.get(), err_read.get(),
                                           &run.stdout_data, &run.stderr_data));
  finished.WaitForNotification();
  return run;
}

absl::Status ReadUntilBothClose(int out, int err, std::string* out_data,
                                std::string* err_data) {
  pollfd polls[2] = {{out, POLLIN, 0}, {err, POLLIN, 0}};
  std::string* sinks[2] = {out_data, err_data};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (::poll(polls, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("poll");
    }
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
  return absl::OkStatus();
}

}  // namespace forge::sandbox
