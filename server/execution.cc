#include "server/execution.h"

#include <fcntl.h>
#include <unistd.h>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/errno_status.h"
#include "common/fmt_absl.h"
#include "google/protobuf/util/time_util.h"
#include "sandbox/job_payload.h"
#include "server/approval_records.h"
#include "server/execution_records.h"
#include "server/execution_tools.h"
#include "server/grpc_status.h"
#include "server/mcp/tool_session.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::ExecuteEvent;
using ::forge::exec::v1::Outcome;
using ::google::protobuf::util::TimeUtil;

std::string NewId(absl::string_view prefix) {
  static absl::Mutex* const mutex = new absl::Mutex();
  static absl::BitGen* const bits = new absl::BitGen();
  absl::MutexLock lock(mutex);
  return absl::StrFormat("%s%016x%08x", prefix, absl::Uniform<uint64_t>(*bits),
                         absl::Uniform<uint32_t>(*bits));
}

google::protobuf::Duration ToProto(absl::Duration d) {
  return TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(d));
}

// Every protection a sandbox can have (launcher_loop.cc, cgroup_support.h).
const std::vector<std::string>& AllProtections() {
  static const auto* const kAll = new std::vector<std::string>{
      "userns",          "pidns",        "mountns",     "netns",
      "ipcns",           "utsns",        "cgroupns",    "pivot_root",
      "no_new_privs",    "caps-dropped", "rlimits",     "seccomp",
      "cgroup-memory",   "cgroup-swap",  "cgroup-pids", "cgroup-cpu",
      "cgroup-cpu-time", "cgroup-kill"};
  return *kAll;
}

const char* StreamName(int stream) { return stream == 0 ? "stdout" : "stderr"; }

Outcome OutcomeOf(sandbox::Termination termination) {
  using sandbox::Termination;
  switch (termination) {
    case Termination::kExited:
      return forge::exec::v1::OUTCOME_EXITED;
    case Termination::kSignaled:
      return forge::exec::v1::OUTCOME_SIGNALED;
    case Termination::kWallTimeout:
      return forge::exec::v1::OUTCOME_WALL_TIMEOUT;
    case Termination::kCpuTimeout:
      return forge::exec::v1::OUTCOME_CPU_TIMEOUT;
    case Termination::kMemoryLimit:
      return forge::exec::v1::OUTCOME_MEMORY_LIMIT;
    case Termination::kProcessLimit:
      return forge::exec::v1::OUTCOME_PROCESS_LIMIT;
    case Termination::kViolation:
      return forge::exec::v1::OUTCOME_SANDBOX_VIOLATION;
    case Termination::kKilled:
      return forge::exec::v1::OUTCOME_CANCELLED;
    case Termination::kSetupError:
      return forge::exec::v1::OUTCOME_INTERNAL_ERROR;
  }
  return forge::exec::v1::OUTCOME_INTERNAL_ERROR;
}

}  // namespace

Execution::Execution(ServiceContext& context, EventSink* sink,
                     auth::Caller caller,
                     forge::exec::v1::ExecuteRequest request)
    : context_(context),
      sink_(sink),
      caller_(std::move(caller)),
      request_(std::move(request)),
      id_(NewId("ex_")),
      created_at_(absl::Now()) {}

Execution::~Execution() = default;

void Execution::Start() {
  absl::Status valid = ValidateExecuteRequest(request_, context_.config);
  if (!valid.ok()) {
    context_.log->info("execution_id={} event=rejected reason=\"{}\"", id_,
                       valid.message());
    return FinishEarly(ToGrpcStatus(valid));
  }
  runtime_ = context_.runtimes.Find(request_.runtime());
  absl::StatusOr<sandbox::JobSpec> job =
      context_.runtimes.JobFor(*runtime_, request_);
  if (!job.ok()) return FinishEarly(ToGrpcStatus(job.status()));
  job_ = std::move(*job);
  limits_ = ResolveLimits(request_.limits(), context_.config);
  redaction_options_ = context_.redactor.OptionsForTenant(caller_.tenant);
  std::vector<std::string> classified;
  for (const auto& file : request_.files()) {
    if (file.classification() == forge::exec::v1::CLASSIFICATION_CONFIDENTIAL ||
        file.classification() == forge::exec::v1::CLASSIFICATION_RESTRICTED) {
      classified.push_back(file.content());
    }
  }
  if (!classified.empty() &&
      context_.redactor.ClassifiedEnabledFor(caller_.tenant)) {
    redaction_options_.classified = privacy::ClassifiedIndex::Build(classified);
  }
  absl::StatusOr<cars::Assessment> assessed = context_.assessor.Assess(
      cars::InputFromRequest(request_, caller_.tenant));
  if (!assessed.ok()) return FinishEarly(ToGrpcStatus(assessed.status()));
  const forge::exec::v1::PolicyAction action = assessed->action;
  context_.metrics.Assessed(assessed->assessment.level(), action);
  context_.log->info(
      "execution_id={} event=assessed level={} score={:.2f} action={} "
      "findings={}",
      id_, forge::exec::v1::RiskLevel_Name(assessed->assessment.level()),
      assessed->assessment.score(), forge::exec::v1::PolicyAction_Name(action),
      assessed->assessment.findings_size());

  // The service never runs code unaudited: with the audit log down, new
  // executions are refused.
  if (absl::Status audit = context_.audit.Health(); !audit.ok()) {
    return FinishEarly(grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                    std::string(audit.message())));
  }
  who_ = ExecutionIdentity{id_, request_.session_id(), caller_.tenant,
                           caller_.principal};
  // A valid token for this exact request stands for the approval; a bad one
  // ends the call. A token never lifts a BLOCK.
  std::optional<cars::TokenCheck> token;
  if (action == forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL &&
      !request_.approval_token().empty()) {
    token = context_.approvals.CheckToken(
        request_, caller_, assessed->assessment.policy_version());
    if (!token->ok()) return RefuseToken(*token);
  }
  absl::StatusOr<std::unique_ptr<mcp::ToolSession>> tools =
      OpenExecutionTools(context_, request_, who_, job_,
                         [weak = weak_from_this()](const auto& record) {
                           if (auto self = weak.lock())
                             self->OnToolRecord(record);
                         });
  if (!tools.ok()) return FinishEarly(ToGrpcStatus(tools.status()));
  tool_session_ = std::move(*tools);
  const bool gated =
      action == forge::exec::v1::POLICY_ACTION_BLOCK ||
      (action == forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL && !token);
  if (!gated) {
    absl::Status admitted = context_.admission.Request(
        [self = shared_from_this()](absl::Duration queued) {
          self->OnAdmitted(queued);
        },
        &admission_ticket_);
    if (!admitted.ok()) return FinishEarly(ToGrpcStatus(admitted));
  }

  // Accepted goes first on the stream: the request is admitted (maybe still
  // queued for a slot) from here on and always ends with `finished`.
  {
    absl::MutexLock lock(&mutex_);
    AfterCommit start_recorded = [](Execution& self, bool committed) {
      if (committed) {
        self.start_recorded_ = true;
        self.MaybeRunLocked();
        return;
      }
      // The log failed to write the start: the code never runs (a held
      // job is withdrawn when the execution completes below).
      if (!self.holds_slot_)
        self.context_.admission.Cancel(self.admission_ticket_);
      self.ReleaseSlotLocked();
      self.EndWithoutRunning(
          forge::exec::v1::OUTCOME_INTERNAL_ERROR,
          "the audit log could not record the start of this execution; "
          "it did not run");
    };
    // The start records go together: one write and one fsync before the
    // code may run. When the sandbox is already there (a ready one from the
    // pool), its sandbox_start goes with them: appended when the job starts,
    // its fsync would still be under way when a short program ends, and the
    // closing records would wait for it before their own.
    std::vector<forge::exec::v1::AuditRecord> start;
    start.push_back(ExecutionStartRecord(who_, request_));
    start.push_back(RiskAssessmentRecord(who_, assessed->assessment, action));
    if (token) start.push_back(TokenUseRecord(who_, *token));
    if (sandbox_ && pending_run_) {
      start.push_back(SandboxStartRecord(who_, StartedEventLocked()));
      sandbox_start_recorded_ = true;
    }
    absl::Status recorded =
        AppendAuditGroupLocked(std::move(start), start_recorded);
    if (!recorded.ok()) {
      // Nothing was sent yet: refuse the call outright.
      early_status_ = grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                   std::string(recorded.message()));
      if (!holds_slot_) context_.admission.Cancel(admission_ticket_);
      ReleaseSlotLocked();
      cancelled_for_audit_ = true;
    }
    if (!cancelled_for_audit_) {
      QueuedEvent accepted;
      auto* event = accepted.event.mutable_accepted();
      event->set_execution_id(id_);
      *event->mutable_assessment() = assessed->assessment;
      event->set_action(action);
      Enqueue(std::move(accepted));
      // CARS is a gate in front of the sandbox: blocked code never runs, and
      // code that needs a person's approval waits for it (or comes back with
      // the approval's token).
      if (action == forge::exec::v1::POLICY_ACTION_BLOCK) {
        EndWithoutRunning(
            forge::exec::v1::OUTCOME_BLOCKED,
            absl::StrCat(
                "blocked by policy: risk ",
                forge::exec::v1::RiskLevel_Name(assessed->assessment.level()),
                " (score ",
                absl::StrFormat("%.2f", assessed->assessment.score()), ")"));
      } else if (action == forge::exec::v1::POLICY_ACTION_REQUIRE_APPROVAL &&
                 !token) {
        RequestApprovalLocked(assessed->assessment);
      }
      // The start records are queued: a ready sandbox may take the job
      // now, held until they are durable.
      start_appended_ = true;
      MaybeRunLocked();
    }
  }
  context_.log->info(
      "execution_id={} event=accepted runtime={} session_id=\"{}\"", id_,
      request_.runtime(), request_.session_id());
  Drive();
}

void Execution::OnAdmitted(absl::Duration queued) {
  bool proceed = false;
  WorkerPool::AcquireOptions options;
  // A request with env of its own starts its interpreter itself (cold).
  options.allow_warm = request_.env().empty();
  {
    absl::MutexLock lock(&mutex_);
    holds_slot_ = true;
    queued_ = queued;
    admitted_at_ = absl::Now();
    if (cancelled_ || rpc_done_ || early_status_ || finished_enqueued_) {
      ReleaseSlotLocked();
    } else {
      proceed = true;
      // Tools are bound into the sandbox when it is made.
      sandbox::SandboxSpec tools;
      BindExecutionTools(tool_session_.get(), tools);
      options.extra_binds = std::move(tools.binds);
    }
  }
  if (!proceed) return Drive();
  context_.pool.Acquire(request_.runtime(), std::move(options),
                        [self = shared_from_this()](auto created) {
                          self->OnSandboxCreated(std::move(created));
                        });
}

void Execution::OnSandboxCreated(absl::StatusOr<ReadySandbox> created) {
  bool proceed = false;
  {
    absl::MutexLock lock(&mutex_);
    if (!created.ok()) {
      context_.log->error("execution_id={} event=sandbox_failed error=\"{}\"",
                          id_, created.status().message());
      EndWithoutRunning(forge::exec::v1::OUTCOME_INTERNAL_ERROR,
                        absl::StrCat("could not create a sandbox: ",
                                     created.status().message()));
      ReleaseSlotLocked();
    } else if (cancelled_ || rpc_done_ || finished_enqueued_) {
      ReleaseSlotLocked();  // `created` is destroyed (and killed) on return
      EndWithoutRunning(forge::exec::v1::OUTCOME_CANCELLED, verdict_message_);
    } else {
      proceed = true;
    }
  }
  if (!proceed) return Drive();

  absl::StatusOr<UniqueFd> payload = sandbox::WriteJobPayload(job_);
  absl::StatusOr<JobStdio> stdio = TakeJobStdio(*created, request_.stdin());
  UniqueFd read_ends[2];
  if (stdio.ok()) {
    read_ends[kStdout] = std::move(stdio->stdout_read);
    read_ends[kStderr] = std::move(stdio->stderr_read);
  }
  {
    absl::MutexLock lock(&mutex_);
    sandbox_ = std::move(created->sandbox);
    warm_ = created->warm;
    sandbox_ready_at_ = absl::Now();
    context_.metrics.SetProtections(sandbox_->protections(), AllProtections());
    absl::Status ready = !payload.ok() ? payload.status() : stdio.status();
    if (cancelled_ || rpc_done_)
      ready = absl::CancelledError("cancelled before the job started");
    for (int i = 0; ready.ok() && i < 2; ++i) {
      absl::StatusOr<uint64_t> handle =
          context_.pump.Add(std::move(read_ends[i]), i, shared_from_this());
      if (!handle.ok()) {
        ready = handle.status();
        break;
      }
      streams_[i].handle = *handle;
      streams_[i].open = true;
      streams_[i].redaction = context_.redactor.NewStream(redaction_options_);
    }
    if (!ready.ok()) {
      StopStreamsLocked();
      EndWithoutRunning(
          forge::exec::v1::OUTCOME_INTERNAL_ERROR,
          absl::StrCat("could not start the job: ", ready.message()));
      sandbox_.reset();
      ReleaseSlotLocked();
    } else {
      pending_run_ = PendingRun{
          std::move(*payload), std::move(stdio->program_stdin),
          std::move(stdio->program_stdout), std::move(stdio->program_stderr)};
      MaybeRunLocked();
    }
  }
  Drive();
}

void Execution::OnToolRecord(const forge::exec::v1::AuditRecord& record) {
  {
    absl::MutexLock lock(&mutex_);
    if (finished_enqueued_) return;  // `finished` stays last; the log has it
    QueuedEvent event;
    *event.event.mutable_audit() = record;
    Enqueue(std::move(event));
  }
  Drive();
}

void Execution::OnSandboxFinished(sandbox::SandboxResult result) {
  if (tool_session_) tool_session_->Stop();  // the program is gone
  {
    absl::MutexLock lock(&mutex_);
    context_.log->info(
        "execution_id={} event=sandbox_finished termination={} exit_code={} "
        "signal={} wall_ms={}",
        id_, sandbox::TerminationName(result.termination), result.exit_code,
        result.signal, absl::ToInt64Milliseconds(result.wall_time));
    result_ = std::move(result);
    ReleaseSlotLocked();
    MaybeEnqueueFinished();
  }
  Drive();
}

void Execution::OnPipeData(int stream, absl::string_view data) {
  {
    absl::MutexLock lock(&mutex_);
    StreamState& state = streams_[stream];
    if (!state.open) return;
    const uint64_t cap = limits_.max_output_bytes;
    const bool over = state.bytes_read + data.size() > cap;
    if (over) data = data.substr(0, cap - state.bytes_read);
    state.bytes_read += data.size();
    state.value_start_held = false;
    std::string redacted;
    state.redaction->Feed(data, &redacted);
    if (over) {
      state.truncated = true;
      state.redaction->Flush(&redacted);
      absl::StrAppend(&redacted, "\n[forge-exec: ", StreamName(stream),
                      " truncated after ", cap, " bytes]\n");
      SetVerdict(forge::exec::v1::OUTCOME_OUTPUT_LIMIT,
                 absl::StrCat(StreamName(stream), " exceeded ", cap, " bytes"));
      context_.pump.Remove(state.handle);
      state.open = false;
      if (sandbox_) sandbox_->Kill();
    } else if (state.redaction->held_bytes() > 0) {
      context_.pump.ScheduleIdle(
          state.handle, absl::Now() + context_.redactor.idle_release());
    } else {
      context_.pump.CancelIdle(state.handle);
    }
    if (!redacted.empty()) {
      // The pipe stays disarmed until this chunk has been written.
      EnqueueOutput(stream, std::move(redacted), /*rearm=*/!over);
    } else if (!over) {
      context_.pump.Arm(state.handle);  // all held back: keep reading
    }
    MaybeEnqueueFinished();
  }
  Drive();
}

void Execution::OnPipeIdle(int stream) {
  {
    absl::MutexLock lock(&mutex_);
    StreamState& state = streams_[stream];
    if (!state.open || state.redaction->held_bytes() == 0) return;
    // Two stages: first everything but a possible value start at the end;
    // that fragment only after value_start_hold more without output.
    std::string released;
    state.redaction->ReleaseHeld(&released,
                                 /*hold_value_start=*/!state.value_start_held);
    state.value_start_held = state.redaction->held_bytes() > 0;
    if (state.value_start_held) {
      context_.pump.ScheduleIdle(
          state.handle, absl::Now() + context_.redactor.value_start_hold());
    }
    if (!released.empty())
      EnqueueOutput(stream, std::move(released), /*rearm=*/false);
  }
  Drive();
}

void Execution::OnPipeClosed(int stream) {
  {
    absl::MutexLock lock(&mutex_);
    StreamState& state = streams_[stream];
    if (state.open) {
      std::string rest;
      state.redaction->Flush(&rest);
      if (!rest.empty())
        EnqueueOutput(stream, std::move(rest), /*rearm=*/false);
    }
    state.open = false;
    MaybeEnqueueFinished();
  }
  Drive();
}

void Execution::EnqueueOutput(int stream, std::string data, bool rearm) {
  StreamState& state = streams_[stream];
  QueuedEvent output;
  auto* event = output.event.mutable_output();
  event->set_stream(stream == kStdout ? forge::exec::v1::STREAM_STDOUT
                                      : forge::exec::v1::STREAM_STDERR);
  event->set_offset(state.offset);
  state.offset += data.size();
  event->set_data(std::move(data));
  output.rearm_stream = rearm ? stream : -1;
  Enqueue(std::move(output));
}

void Execution::OnWriteDone(bool ok) {
  {
    absl::MutexLock lock(&mutex_);
    writing_ = false;
    if (!ok) {
      // The client is gone; OnCancel follows or already ran.
      cancelled_ = true;
      SetVerdict(forge::exec::v1::OUTCOME_CANCELLED, "the client went away");
      StopStreamsLocked();
      if (sandbox_) sandbox_->Kill();
    } else if (current_.is_finished) {
      finished_written_ = true;
    } else if (current_.rearm_stream >= 0 &&
               streams_[current_.rearm_stream].open) {
      context_.pump.Arm(streams_[current_.rearm_stream].handle);
    }
  }
  Drive();
}

void Execution::OnCancel() {
  {
    absl::MutexLock lock(&mutex_);
    if (finished_written_) return;
    cancelled_ = true;
    SetVerdict(forge::exec::v1::OUTCOME_CANCELLED,
               "cancelled by the client or its deadline");
    release_.Reset();  // a held job is withdrawn
    StopStreamsLocked();
    if (sandbox_) sandbox_->Kill();
    if (waiting_for_approval_) {
      // The approval stays pending (until it expires); only the wait ends.
      WithdrawApprovalWaitLocked();
      EndWithoutRunning(forge::exec::v1::OUTCOME_CANCELLED, verdict_message_);
    } else if (!holds_slot_ && context_.admission.Cancel(admission_ticket_)) {
      context_.log->info("execution_id={} event=cancelled_while_queued", id_);
      EndWithoutRunning(forge::exec::v1::OUTCOME_CANCELLED, verdict_message_);
    } else if (pending_run_) {
      // Created but not started: nothing will report back; end it here.
      sandbox_.reset();
      ReleaseSlotLocked();
      EndWithoutRunning(forge::exec::v1::OUTCOME_CANCELLED, verdict_message_);
    }
    context_.log->info("execution_id={} event=cancelled", id_);
  }
  Drive();
}

void Execution::OnRpcDone() {
  absl::MutexLock lock(&mutex_);
  rpc_done_ = true;
  if (waiting_for_approval_) WithdrawApprovalWaitLocked();
  StopStreamsLocked();
  if (sandbox_ && !result_) sandbox_->Kill();
}

void Execution::Drive() {
  const forge::exec::v1::ExecuteEvent* to_write = nullptr;
  std::optional<grpc::Status> to_finish;
  bool release_slot = false;
  {
    absl::MutexLock lock(&mutex_);
    release_slot = std::exchange(slot_release_pending_, false);
  }
  // Outside the lock: the slot may pass to another execution, whose own
  // callback then runs on this thread.
  if (release_slot) context_.admission.Release();
  context_.metrics.SetAdmission(context_.admission.running(),
                                context_.admission.queued());
  {
    absl::MutexLock lock(&mutex_);
    if (rpc_done_ || finish_called_ || writing_) return;
    if (cancelled_) {
      to_finish =
          grpc::Status(grpc::StatusCode::CANCELLED, "execution cancelled");
    } else if (!queue_.empty()) {
      current_ = std::move(queue_.front());
      queue_.pop_front();
      writing_ = true;
      to_write = &current_.event;
    } else if (finished_written_) {
      to_finish = grpc::Status::OK;
    } else if (early_status_) {
      to_finish = *early_status_;
    }
    if (to_finish) finish_called_ = true;
  }
  if (to_write != nullptr) {
    sink_->Write(to_write);
  } else if (to_finish) {
    sink_->Finish(*to_finish);
  }
}

void Execution::FinishEarly(const grpc::Status& status) {
  {
    absl::MutexLock lock(&mutex_);
    early_status_ = status;
  }
  Drive();
}

void Execution::Enqueue(QueuedEvent event) {
  queue_.push_back(std::move(event));
}

void Execution::SetVerdict(Outcome outcome, std::string message) {
  if (verdict_) return;  // the first verdict wins
  verdict_ = outcome;
  verdict_message_ = std::move(message);
}

void Execution::EndWithoutRunning(Outcome outcome, const std::string& message) {
  forge::exec::v1::Finished finished;
  finished.set_outcome(outcome);
  finished.set_message(message);
  CompleteLocked(std::move(finished));
}

void Execution::CompleteLocked(forge::exec::v1::Finished finished) {
  if (finished_enqueued_) return;
  finished_enqueued_ = true;
  pending_run_.reset();
  release_.Reset();  // a held job that was not released never starts
  quota_lease_.Release();
  context_.log->info("execution_id={} event=finished outcome={} exit_code={}",
                     id_, forge::exec::v1::Outcome_Name(finished.outcome()),
                     finished.exit_code());
  // The closing records are committed before `finished` is sent, so a
  // client that saw `finished` knows the trail is on disk.
  context_.metrics.ExecutionFinished(request_.runtime(), finished,
                                     absl::Now() - created_at_);
  if (running_in_sandbox_) {
    running_in_sandbox_ = false;
    context_.metrics.SandboxInUse(request_.runtime(), -1);
  }
  std::vector<forge::exec::v1::AuditRecord> records =
      ClosingRecords(who_, finished);
  auto send_finished = [finished](Execution& self, bool /*committed*/) {
    QueuedEvent event;
    event.is_finished = true;
    *event.event.mutable_finished() = finished;
    self.Enqueue(std::move(event));
  };
  // One write and one fsync for all of them.
  absl::Status recorded =
      AppendAuditGroupLocked(std::move(records), send_finished);
  if (!recorded.ok()) {
    context_.log->error("execution_id={} event=audit_failed error=\"{}\"", id_,
                        recorded.message());
    send_finished(*this, false);
  }
}

absl::Status Execution::AppendAuditLocked(forge::exec::v1::AuditRecord record,
                                          AfterCommit after) {
  std::vector<forge::exec::v1::AuditRecord> one;
  one.push_back(std::move(record));
  return AppendAuditGroupLocked(std::move(one), std::move(after));
}

absl::Status Execution::AppendAuditGroupLocked(
    std::vector<forge::exec::v1::AuditRecord> records, AfterCommit after) {
  std::vector<audit::AuditLog::Pending> group;
  group.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    // The group commits at once: its events are queued together and
    // written from the last one's callback.
    const bool last = i + 1 == records.size();
    AfterCommit then = last ? std::move(after) : nullptr;
    group.push_back(audit::AuditLog::Pending{
        std::move(records[i]),
        [self = shared_from_this(), then = std::move(then),
         last](absl::StatusOr<forge::exec::v1::AuditRecord> committed) mutable {
          {
            absl::MutexLock lock(&self->mutex_);
            if (committed.ok()) {
              QueuedEvent event;
              *event.event.mutable_audit() = *std::move(committed);
              self->Enqueue(std::move(event));
            } else {
              self->context_.log->error(
                  "execution_id={} event=audit_failed error=\"{}\"", self->id_,
                  committed.status().message());
            }
            if (then) then(*self, committed.ok());
          }
          if (last) self->Drive();
        }});
  }
  return context_.audit.AppendAll(std::move(group));
}

void Execution::MaybeRunLocked() {
  if (!sandbox_ || cancelled_ || rpc_done_ || finished_enqueued_ || result_)
    return;
  if (pending_run_ && (start_recorded_ || start_appended_)) DeliverJobLocked();
  if (start_recorded_ && job_delivered_ && !job_released_) ReleaseJobLocked();
}

void Execution::DeliverJobLocked() {
  PendingRun run = std::move(*pending_run_);
  pending_run_.reset();
  // Before the start records are durable the job goes held: the sandbox
  // applies the limits and prepares the workspace and files while they
  // sync, and starts the program on the release byte (ReleaseJobLocked).
  UniqueFd release_read;
  if (!start_recorded_) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      pending_run_ = std::move(run);  // delivered once the start is durable
      return;
    }
    release_read.Reset(fds[0]);
    release_.Reset(fds[1]);
  }
  job_delivered_ = true;
  sandbox_->Run(limits_.sandbox,
                {std::move(run.payload), std::move(run.stdin_fd),
                 std::move(run.stdout_fd), std::move(run.stderr_fd),
                 std::move(release_read)},
                [self = shared_from_this()](sandbox::SandboxResult result) {
                  self->OnSandboxFinished(std::move(result));
                });
}

void Execution::ReleaseJobLocked() {
  job_released_ = true;
  if (release_) {
    // A failed write (init already gone) is reported by the result.
    (void)::write(release_.get(), "G", 1);
    release_.Reset();
  }
  context_.metrics.ExecutionStarted(request_.runtime(), queued_,
                                    sandbox_ready_at_ - admitted_at_);
  context_.metrics.SandboxInUse(request_.runtime(), +1);
  running_in_sandbox_ = true;
  QueuedEvent started;
  *started.event.mutable_started() = StartedEventLocked();
  if (!sandbox_start_recorded_) {
    (void)AppendAuditLocked(SandboxStartRecord(who_, started.event.started()),
                            nullptr);
  }
  Enqueue(std::move(started));
  context_.log->info("execution_id={} event=started sandbox_id={} queued_ms={}",
                     id_, sandbox_->id(), absl::ToInt64Milliseconds(queued_));
}

forge::exec::v1::Started Execution::StartedEventLocked() const {
  forge::exec::v1::Started event;
  event.set_runtime(request_.runtime());
  event.set_runtime_version(runtime_->version);
  event.set_sandbox_id(sandbox_->id());
  *event.mutable_queued() = ToProto(queued_);
  event.set_warm(warm_);
  for (const std::string& protection : sandbox_->protections()) {
    event.add_protections(protection);
  }
  return event;
}

void Execution::MaybeEnqueueFinished() {
  if (finished_enqueued_ || !result_ || streams_[kStdout].open ||
      streams_[kStderr].open)
    return;
  const sandbox::SandboxResult& result = *result_;
  forge::exec::v1::Finished finished;
  forge::exec::v1::Finished* event = &finished;
  Outcome outcome = OutcomeOf(result.termination);
  std::string message = result.message;
  // A server-side verdict explains a kill better than "killed"; the
  // sandbox's own limits (wall, memory, ...) came first if they are set.
  if (verdict_ && (result.termination == sandbox::Termination::kKilled ||
                   result.termination == sandbox::Termination::kSignaled ||
                   result.termination == sandbox::Termination::kExited)) {
    outcome = *verdict_;
    message = verdict_message_;
  }
  event->set_outcome(outcome);
  event->set_exit_code(result.exit_code);
  event->set_signal(result.signal);
  *event->mutable_usage()->mutable_wall_time() = ToProto(result.wall_time);
  *event->mutable_usage()->mutable_cpu_time() = ToProto(result.cpu_time);
  event->mutable_usage()->set_peak_memory_bytes(result.peak_memory_bytes);
  event->set_stdout_bytes(streams_[kStdout].bytes_read);
  event->set_stderr_bytes(streams_[kStderr].bytes_read);
  event->set_stdout_truncated(streams_[kStdout].truncated);
  event->set_stderr_truncated(streams_[kStderr].truncated);
  event->set_message(message);
  privacy::RedactionCounts counts;
  for (const StreamState& state : streams_) {
    if (state.redaction == nullptr) continue;
    for (const auto& [type, count] : state.redaction->counts())
      counts[type] += count;
  }
  for (const sandbox::OutputFileData& file : result.files) {
    forge::exec::v1::OutputFile* out = event->add_files();
    out->set_path(file.path);
    // Text goes through the filter like output; content with NUL bytes in
    // its first 8 KiB is treated as binary and returned as is.
    const bool binary =
        absl::string_view(file.content).substr(0, 8192).find('\0') !=
        absl::string_view::npos;
    out->set_content(binary ? file.content
                            : context_.redactor.Redact(
                                  file.content, redaction_options_, &counts));
    out->set_truncated(file.truncated);
  }
  for (const auto& [type, count] : counts)
    (*event->mutable_redactions())[type] = count;
  CompleteLocked(std::move(finished));
}

void Execution::StopStreamsLocked() {
  for (StreamState& state : streams_) {
    if (!state.open) continue;
    context_.pump.Remove(state.handle);
    state.open = false;
  }
  MaybeEnqueueFinished();
}

void Execution::ReleaseSlotLocked() {
  if (!holds_slot_) return;
  holds_slot_ = false;
  slot_release_pending_ = true;  // Drive() releases it outside the lock
}

}  // namespace forge::server
