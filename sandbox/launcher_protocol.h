// Messages between forge-execd (the "server" side, LauncherClient), the
// forge-launcher process, and each sandbox's init. Each message is one
// SOCK_SEQPACKET datagram: a MessageType tag followed by the fields in wire.h
// encoding. Descriptors ride along via SCM_RIGHTS (fd_passing.h); the
// comment on each type says which.
//
//   server ──Create──► launcher ──clone──► init ──InitReady──► launcher
//   ──Created──► server server ──Start(job, stdin, stdout, stderr)──► launcher
//   ──RunJob(same fds)──► init init ──JobReport──► launcher ──Finished──►
//   server server ──Kill──► launcher (SIGKILL to init ends the whole pid
//   namespace)
#ifndef FORGE_SANDBOX_LAUNCHER_PROTOCOL_H_
#define FORGE_SANDBOX_LAUNCHER_PROTOCOL_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "sandbox/sandbox_spec.h"

namespace forge::sandbox {

enum class MessageType : uint32_t {
  // server → launcher
  kCreate = 1,  // CreateRequest; fds: a warm sandbox's stdin, stdout, stderr
  kStart = 2,   // StartRequest; fds: job memfd, stdin, stdout, stderr
                // (a warm sandbox: the job memfd alone), then a held job's
                // release pipe
  kKill = 3,    // KillRequest
  // launcher → server
  kCreated = 11,   // CreatedReply
  kFinished = 12,  // FinishedReply
  // launcher → init
  kGo = 21,      // no fields: id maps are written, setup may proceed
  kRunJob = 22,  // RunJobCommand; fds as kStart
  // init → launcher
  kInitReady = 31,   // InitStatus (OK) after the filesystem is built
  kInitFailed = 32,  // InitStatus (error) when setup or the job's start failed
  kJobReport = 33,   // JobReport once the program has exited
  // program (between fork and execve) → launcher; no fields; fd: the
  // seccomp notification listener of the program's filter
  kSeccompListener = 34,
  // init → launcher; no fields: a held job was released, its program starts
  kJobReleased = 35,
};

// Number of descriptors attached to kStart and kRunJob, in this order.
inline constexpr size_t kJobFdCount = 4;
// A warm sandbox got its stdio with kCreate (in this order); its kStart and
// kRunJob carry the job memfd alone.
inline constexpr size_t kWarmStdioCount = 3;
inline constexpr size_t kWarmJobFdCount = 1;
// A held job's release pipe follows the others.
inline constexpr size_t kReleaseFdCount = 1;
enum JobFdIndex {
  kJobPayloadFd = 0,
  kJobStdinFd = 1,
  kJobStdoutFd = 2,
  kJobStderrFd = 3
};

struct CreateRequest {
  SandboxSpec spec;
};

struct StartRequest {
  std::string sandbox_id;
  ResourceLimits limits;
  // The job's fds end with the read end of its release pipe: the program
  // starts once a byte arrives on it, never if it closes without one.
  bool held = false;
};

struct KillRequest {
  std::string sandbox_id;
};

struct CreatedReply {
  std::string sandbox_id;
  absl::Status status;
  // Protections in force, e.g. "userns", "pidns", "netns", "mountns",
  // "seccomp", "cgroup-memory". Empty when status is not OK.
  std::vector<std::string> protections;
};

struct FinishedReply {
  std::string sandbox_id;
  SandboxResult result;
};

struct RunJobCommand {
  ResourceLimits limits;
  bool held = false;  // as StartRequest::held
};

struct InitStatus {
  absl::Status status;
};

// What init saw of the program it forked.
struct JobReport {
  int wait_status = 0;       // as from waitpid()
  uint64_t user_cpu_us = 0;  // rusage of the program and reaped descendants
  uint64_t system_cpu_us = 0;
  uint64_t max_rss_bytes = 0;
  uint64_t wall_ns = 0;  // fork to reap
};

std::string Encode(const CreateRequest& message);
std::string Encode(const StartRequest& message);
std::string Encode(const KillRequest& message);
std::string Encode(const CreatedReply& message);
std::string Encode(const FinishedReply& message);
std::string Encode(const RunJobCommand& message);
std::string Encode(const InitStatus& message, MessageType type);
std::string Encode(const JobReport& message);
std::string EncodeGo();
std::string EncodeSeccompListener();
std::string EncodeJobReleased();

// The type tag of an encoded message; INVALID_ARGUMENT if too short or unknown.
absl::StatusOr<MessageType> PeekType(absl::string_view data);

// Each decoder checks the tag and that the whole message was consumed.
absl::StatusOr<CreateRequest> DecodeCreateRequest(absl::string_view data);
absl::StatusOr<StartRequest> DecodeStartRequest(absl::string_view data);
absl::StatusOr<KillRequest> DecodeKillRequest(absl::string_view data);
absl::StatusOr<CreatedReply> DecodeCreatedReply(absl::string_view data);
absl::StatusOr<FinishedReply> DecodeFinishedReply(absl::string_view data);
absl::StatusOr<RunJobCommand> DecodeRunJobCommand(absl::string_view data);
absl::StatusOr<InitStatus> DecodeInitStatus(absl::string_view data);
absl::StatusOr<JobReport> DecodeJobReport(absl::string_view data);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_LAUNCHER_PROTOCOL_H_
