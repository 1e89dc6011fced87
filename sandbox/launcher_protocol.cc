#include "sandbox/launcher_protocol.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "sandbox/wire.h"

namespace forge::sandbox {
namespace {

WireWriter Begin(MessageType type) {
  WireWriter writer;
  writer.PutU32(static_cast<uint32_t>(type));
  return writer;
}

absl::Status ExpectType(WireReader& reader, MessageType want) {
  FORGE_ASSIGN_OR_RETURN(uint32_t got, reader.GetU32());
  if (got != static_cast<uint32_t>(want)) {
    return absl::InvalidArgumentError(
        absl::StrCat("launcher protocol: expected message ",
                     static_cast<uint32_t>(want), ", got ", got));
  }
  return absl::OkStatus();
}

void PutDuration(WireWriter& w, absl::Duration d) {
  w.PutU64(static_cast<uint64_t>(absl::ToInt64Nanoseconds(d)));
}

absl::StatusOr<absl::Duration> GetDuration(WireReader& r) {
  FORGE_ASSIGN_OR_RETURN(uint64_t ns, r.GetU64());
  return absl::Nanoseconds(static_cast<int64_t>(ns));
}

void PutStatus(WireWriter& w, const absl::Status& status) {
  w.PutU32(static_cast<uint32_t>(status.code()));
  w.PutString(status.message());
}

absl::StatusOr<absl::Status> GetStatus(WireReader& r) {
  FORGE_ASSIGN_OR_RETURN(uint32_t code, r.GetU32());
  FORGE_ASSIGN_OR_RETURN(std::string message, r.GetString());
  if (code > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) {
    return absl::InvalidArgumentError("launcher protocol: bad status code");
  }
  return absl::Status(static_cast<absl::StatusCode>(code), message);
}

void PutLimits(WireWriter& w, const ResourceLimits& l) {
  PutDuration(w, l.wall_time);
  PutDuration(w, l.cpu_time);
  w.PutU64(l.memory_bytes);
  w.PutU32(l.max_processes);
  w.PutU64(l.max_file_bytes);
  w.PutU64(l.workspace_bytes);
  w.PutU32(l.max_open_files);
}

absl::StatusOr<ResourceLimits> GetLimits(WireReader& r) {
  ResourceLimits l;
  FORGE_ASSIGN_OR_RETURN(l.wall_time, GetDuration(r));
  FORGE_ASSIGN_OR_RETURN(l.cpu_time, GetDuration(r));
  FORGE_ASSIGN_OR_RETURN(l.memory_bytes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(l.max_processes, r.GetU32());
  FORGE_ASSIGN_OR_RETURN(l.max_file_bytes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(l.workspace_bytes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(l.max_open_files, r.GetU32());
  return l;
}

}  // namespace

std::string Encode(const CreateRequest& m) {
  WireWriter w = Begin(MessageType::kCreate);
  const SandboxSpec& s = m.spec;
  w.PutString(s.sandbox_id);
  w.PutU32(s.host_uid);
  w.PutU32(s.host_gid);
  w.PutU32(static_cast<uint32_t>(s.binds.size()));
  for (const BindMount& b : s.binds) {
    w.PutString(b.source);
    w.PutString(b.target);
  }
  w.PutU64(s.tmp_bytes);
  w.PutU64(s.tmpfs_inodes);
  w.PutStrings(s.warm.argv);
  w.PutStrings(s.warm.env);
  w.PutBool(s.background);
  return w.Release();
}

absl::StatusOr<CreateRequest> DecodeCreateRequest(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kCreate));
  CreateRequest m;
  SandboxSpec& s = m.spec;
  FORGE_ASSIGN_OR_RETURN(s.sandbox_id, r.GetString());
  FORGE_ASSIGN_OR_RETURN(s.host_uid, r.GetU32());
  FORGE_ASSIGN_OR_RETURN(s.host_gid, r.GetU32());
  FORGE_ASSIGN_OR_RETURN(uint32_t bind_count, r.GetU32());
  if (bind_count > 256) return absl::InvalidArgumentError("too many binds");
  for (uint32_t i = 0; i < bind_count; ++i) {
    BindMount b;
    FORGE_ASSIGN_OR_RETURN(b.source, r.GetString());
    FORGE_ASSIGN_OR_RETURN(b.target, r.GetString());
    s.binds.push_back(std::move(b));
  }
  FORGE_ASSIGN_OR_RETURN(s.tmp_bytes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(s.tmpfs_inodes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(s.warm.argv, r.GetStrings());
  FORGE_ASSIGN_OR_RETURN(s.warm.env, r.GetStrings());
  FORGE_ASSIGN_OR_RETURN(s.background, r.GetBool());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const StartRequest& m) {
  WireWriter w = Begin(MessageType::kStart);
  w.PutString(m.sandbox_id);
  PutLimits(w, m.limits);
  w.PutBool(m.held);
  return w.Release();
}

absl::StatusOr<StartRequest> DecodeStartRequest(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kStart));
  StartRequest m;
  FORGE_ASSIGN_OR_RETURN(m.sandbox_id, r.GetString());
  FORGE_ASSIGN_OR_RETURN(m.limits, GetLimits(r));
  FORGE_ASSIGN_OR_RETURN(m.held, r.GetBool());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const KillRequest& m) {
  WireWriter w = Begin(MessageType::kKill);
  w.PutString(m.sandbox_id);
  return w.Release();
}

absl::StatusOr<KillRequest> DecodeKillRequest(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kKill));
  KillRequest m;
  FORGE_ASSIGN_OR_RETURN(m.sandbox_id, r.GetString());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const CreatedReply& m) {
  WireWriter w = Begin(MessageType::kCreated);
  w.PutString(m.sandbox_id);
  PutStatus(w, m.status);
  w.PutStrings(m.protections);
  return w.Release();
}

absl::StatusOr<CreatedReply> DecodeCreatedReply(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kCreated));
  CreatedReply m;
  FORGE_ASSIGN_OR_RETURN(m.sandbox_id, r.GetString());
  FORGE_ASSIGN_OR_RETURN(m.status, GetStatus(r));
  FORGE_ASSIGN_OR_RETURN(m.protections, r.GetStrings());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const FinishedReply& m) {
  WireWriter w = Begin(MessageType::kFinished);
  w.PutString(m.sandbox_id);
  const SandboxResult& res = m.result;
  w.PutU32(static_cast<uint32_t>(res.termination));
  w.PutU32(static_cast<uint32_t>(res.exit_code));
  w.PutU32(static_cast<uint32_t>(res.signal));
  PutDuration(w, res.wall_time);
  PutDuration(w, res.cpu_time);
  w.PutU64(res.peak_memory_bytes);
  w.PutString(res.message);
  return w.Release();
}

absl::StatusOr<FinishedReply> DecodeFinishedReply(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kFinished));
  FinishedReply m;
  FORGE_ASSIGN_OR_RETURN(m.sandbox_id, r.GetString());
  SandboxResult& res = m.result;
  FORGE_ASSIGN_OR_RETURN(uint32_t termination, r.GetU32());
  if (termination < static_cast<uint32_t>(Termination::kExited) ||
      termination > static_cast<uint32_t>(Termination::kSetupError)) {
    return absl::InvalidArgumentError("launcher protocol: bad termination");
  }
  res.termination = static_cast<Termination>(termination);
  FORGE_ASSIGN_OR_RETURN(uint32_t exit_code, r.GetU32());
  FORGE_ASSIGN_OR_RETURN(uint32_t signal, r.GetU32());
  res.exit_code = static_cast<int>(exit_code);
  res.signal = static_cast<int>(signal);
  FORGE_ASSIGN_OR_RETURN(res.wall_time, GetDuration(r));
  FORGE_ASSIGN_OR_RETURN(res.cpu_time, GetDuration(r));
  FORGE_ASSIGN_OR_RETURN(res.peak_memory_bytes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(res.message, r.GetString());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const RunJobCommand& m) {
  WireWriter w = Begin(MessageType::kRunJob);
  PutLimits(w, m.limits);
  w.PutBool(m.held);
  return w.Release();
}

absl::StatusOr<RunJobCommand> DecodeRunJobCommand(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kRunJob));
  RunJobCommand m;
  FORGE_ASSIGN_OR_RETURN(m.limits, GetLimits(r));
  FORGE_ASSIGN_OR_RETURN(m.held, r.GetBool());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const InitStatus& m, MessageType type) {
  WireWriter w = Begin(type);
  PutStatus(w, m.status);
  return w.Release();
}

absl::StatusOr<InitStatus> DecodeInitStatus(absl::string_view data) {
  WireReader r(data);
  FORGE_ASSIGN_OR_RETURN(uint32_t type, r.GetU32());
  if (type != static_cast<uint32_t>(MessageType::kInitReady) &&
      type != static_cast<uint32_t>(MessageType::kInitFailed)) {
    return absl::InvalidArgumentError(
        "launcher protocol: expected init status");
  }
  InitStatus m;
  FORGE_ASSIGN_OR_RETURN(m.status, GetStatus(r));
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string Encode(const JobReport& m) {
  WireWriter w = Begin(MessageType::kJobReport);
  w.PutU32(static_cast<uint32_t>(m.wait_status));
  w.PutU64(m.user_cpu_us);
  w.PutU64(m.system_cpu_us);
  w.PutU64(m.max_rss_bytes);
  w.PutU64(m.wall_ns);
  return w.Release();
}

absl::StatusOr<JobReport> DecodeJobReport(absl::string_view data) {
  WireReader r(data);
  FORGE_RETURN_IF_ERROR(ExpectType(r, MessageType::kJobReport));
  JobReport m;
  FORGE_ASSIGN_OR_RETURN(uint32_t wait_status, r.GetU32());
  m.wait_status = static_cast<int>(wait_status);
  FORGE_ASSIGN_OR_RETURN(m.user_cpu_us, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(m.system_cpu_us, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(m.max_rss_bytes, r.GetU64());
  FORGE_ASSIGN_OR_RETURN(m.wall_ns, r.GetU64());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  return m;
}

std::string EncodeGo() { return Begin(MessageType::kGo).Release(); }

std::string EncodeSeccompListener() {
  return Begin(MessageType::kSeccompListener).Release();
}

std::string EncodeJobReleased() {
  return Begin(MessageType::kJobReleased).Release();
}

absl::StatusOr<MessageType> PeekType(absl::string_view data) {
  WireReader r(data);
  FORGE_ASSIGN_OR_RETURN(uint32_t type, r.GetU32());
  switch (static_cast<MessageType>(type)) {
    case MessageType::kCreate:
    case MessageType::kStart:
    case MessageType::kKill:
    case MessageType::kCreated:
    case MessageType::kFinished:
    case MessageType::kGo:
    case MessageType::kRunJob:
    case MessageType::kInitReady:
    case MessageType::kInitFailed:
    case MessageType::kJobReport:
    case MessageType::kSeccompListener:
    case MessageType::kJobReleased:
      return static_cast<MessageType>(type);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("launcher protocol: unknown message ", type));
}

}  // namespace forge::sandbox
