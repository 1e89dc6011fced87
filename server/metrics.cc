#include "server/metrics.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

#ifndef FORGE_VERSION
#define FORGE_VERSION "0.1.0"
#endif
#ifndef FORGE_REVISION
#define FORGE_REVISION "unknown"
#endif

namespace forge::server {
namespace {

using ::google::protobuf::util::TimeUtil;
using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using prometheus::Histogram;

const Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const kBuckets = new Histogram::BucketBoundaries{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
      0.5,    1,     2.5,    5,     10,   30,    60,   300};
  return *kBuckets;
}

const char* LimitKind(forge::exec::v1::Outcome outcome) {
  switch (outcome) {
    case forge::exec::v1::OUTCOME_WALL_TIMEOUT:
      return "wall_time";
    case forge::exec::v1::OUTCOME_CPU_TIMEOUT:
      return "cpu_time";
    case forge::exec::v1::OUTCOME_MEMORY_LIMIT:
      return "memory";
    case forge::exec::v1::OUTCOME_OUTPUT_LIMIT:
      return "output";
    case forge::exec::v1::OUTCOME_PROCESS_LIMIT:
      return "processes";
    default:
      return nullptr;
  }
}

double Seconds(const google::protobuf::Duration& d) {
  return static_cast<double>(TimeUtil::DurationToNanoseconds(d)) / 1e9;
}

}  // namespace

std::string MetricLabel(const std::string& enum_value_name,
                        const std::string& prefix) {
  std::string label = absl::StartsWith(enum_value_name, prefix)
                          ? enum_value_name.substr(prefix.size())
                          : enum_value_name;
  return absl::AsciiStrToLower(label);
}

ServerMetrics::ServerMetrics(const std::vector<std::string>& runtimes,
                             uint32_t max_concurrent)
    : registry_(std::make_shared<prometheus::Registry>()),
      executions_(BuildCounter()
                      .Name("forge_exec_executions_total")
                      .Help("Finished executions by runtime and outcome")
                      .Register(*registry_)),
      running_(BuildGauge()
                   .Name("forge_exec_executions_running")
                   .Help("Executions holding an admission slot")
                   .Register(*registry_)
                   .Add({})),
      queued_(BuildGauge()
                  .Name("forge_exec_admission_queued")
                  .Help("Executions waiting for an admission slot")
                  .Register(*registry_)
                  .Add({})),
      queue_seconds_(BuildHistogram()
                         .Name("forge_exec_queue_seconds")
                         .Help("Accepted to admitted with a sandbox")
                         .Register(*registry_)),
      setup_seconds_(BuildHistogram()
                         .Name("forge_exec_sandbox_setup_seconds")
                         .Help("Making a sandbox on the request path")
                         .Register(*registry_)),
      run_seconds_(BuildHistogram()
                       .Name("forge_exec_run_seconds")
                       .Help("Program start to exit")
                       .Register(*registry_)),
      execution_seconds_(BuildHistogram()
                             .Name("forge_exec_execution_seconds")
                             .Help("Accepted to finished")
                             .Register(*registry_)),
      pool_ready_(BuildGauge()
                      .Name("forge_exec_pool_ready")
                      .Help("Ready sandboxes in the pool")
                      .Register(*registry_)),
      pool_in_use_(BuildGauge()
                       .Name("forge_exec_pool_in_use")
                       .Help("Sandboxes running a program")
                       .Register(*registry_)),
      pool_refill_seconds_(
          BuildHistogram()
              .Name("forge_exec_pool_refill_seconds")
              .Help("Time to make one ready sandbox in the background")
              .Register(*registry_)),
      pool_refill_failures_(
          BuildCounter()
              .Name("forge_exec_pool_refill_failures_total")
              .Help("Background sandbox creations that failed")
              .Register(*registry_)),
      pool_acquired_(
          BuildCounter()
              .Name("forge_exec_pool_acquired_total")
              .Help("Sandboxes handed to executions, from the pool or made on "
                    "the request path")
              .Register(*registry_)),
      pool_warm_(BuildCounter()
                     .Name("forge_exec_pool_warm_total")
                     .Help("Executions of a warm runtime that got a "
                           "pre-started interpreter (hit) or not (miss)")
                     .Register(*registry_)),
      protection_active_(
          BuildGauge()
              .Name("forge_exec_sandbox_protection_active")
              .Help(
                  "1 for each sandbox protection in force, 0 for missing ones")
              .Register(*registry_)),
      assessments_(BuildCounter()
                       .Name("forge_exec_risk_assessments_total")
                       .Help("CARS assessments by level")
                       .Register(*registry_)),
      actions_(BuildCounter()
                   .Name("forge_exec_policy_actions_total")
                   .Help("Policy decisions by action")
                   .Register(*registry_)),
      approvals_(BuildCounter()
                     .Name("forge_exec_approvals_total")
                     .Help("Decided approvals by decision")
                     .Register(*registry_)),
      approvals_pending_(BuildGauge()
                             .Name("forge_exec_approvals_pending")
                             .Help("Approvals waiting for a decision")
                             .Register(*registry_)
                             .Add({})),
      redactions_(BuildCounter()
                      .Name("forge_exec_redactions_total")
                      .Help("Values redacted from output, by type")
                      .Register(*registry_)),
      violations_(BuildCounter()
                      .Name("forge_exec_sandbox_violations_total")
                      .Help("Forbidden system calls, by syscall name")
                      .Register(*registry_)),
      limit_hits_(BuildCounter()
                      .Name("forge_exec_limit_hits_total")
                      .Help("Limits hit, by kind")
                      .Register(*registry_)),
      audit_appends_(BuildCounter()
                         .Name("forge_exec_audit_appends_total")
                         .Help("Audit records committed")
                         .Register(*registry_)
                         .Add({})),
      audit_fsync_seconds_(
          BuildHistogram()
              .Name("forge_exec_audit_fsync_seconds")
              .Help("Duration of each group-commit fsync of the audit log")
              .Register(*registry_)
              .Add({}, LatencyBuckets())),
      audit_write_errors_(BuildCounter()
                              .Name("forge_exec_audit_write_errors_total")
                              .Help("Failed audit writes or fsyncs")
                              .Register(*registry_)
                              .Add({})) {
  launcher_restarts_ = &BuildCounter()
                            .Name("forge_exec_launcher_restarts_total")
                            .Help("Sandbox launchers started after one died")
                            .Register(*registry_)
                            .Add({});
  approval_waits_ =
      &BuildGauge()
           .Name("forge_exec_approval_waits")
           .Help("Execute streams held open waiting for an approval decision")
           .Register(*registry_)
           .Add({});
  BuildGauge()
      .Name("forge_exec_build_info")
      .Help("Always 1; the labels identify the build")
      .Register(*registry_)
      .Add({{"version", FORGE_VERSION}, {"revision", FORGE_REVISION}})
      .Set(1);
  BuildGauge()
      .Name("forge_exec_admission_max_concurrent")
      .Help("admission.max_concurrent")
      .Register(*registry_)
      .Add({})
      .Set(max_concurrent);
  for (const std::string& runtime : runtimes) {
    for (int outcome = 1; outcome <= forge::exec::v1::Outcome_MAX; ++outcome) {
      executions_.Add(
          {{"runtime", runtime},
           {"outcome",
            MetricLabel(forge::exec::v1::Outcome_Name(outcome), "OUTCOME_")}});
    }
    queue_seconds_.Add({{"runtime", runtime}}, LatencyBuckets());
    setup_seconds_.Add({{"runtime", runtime}}, LatencyBuckets());
    run_seconds_.Add({{"runtime", runtime}}, LatencyBuckets());
    execution_seconds_.Add({{"runtime", runtime}}, LatencyBuckets());
    pool_ready_.Add({{"runtime", runtime}});
    pool_in_use_.Add({{"runtime", runtime}});
    pool_refill_seconds_.Add({{"runtime", runtime}}, LatencyBuckets());
    pool_refill_failures_.Add({{"runtime", runtime}});
    for (const char* source : {"pool", "request_path"})
      pool_acquired_.Add({{"runtime", runtime}, {"source", source}});
    for (const char* result : {"hit", "miss"})
      pool_warm_.Add({{"runtime", runtime}, {"result", result}});
  }
  for (int level = 1; level <= forge::exec::v1::RiskLevel_MAX; ++level) {
    assessments_.Add(
        {{"level",
          MetricLabel(forge::exec::v1::RiskLevel_Name(level), "RISK_LEVEL_")}});
  }
  for (int action = 1; action <= forge::exec::v1::PolicyAction_MAX; ++action) {
    actions_.Add(
        {{"action", MetricLabel(forge::exec::v1::PolicyAction_Name(action),
                                "POLICY_ACTION_")}});
  }
  for (const char* decision : {"approved", "denied", "expired"})
    approvals_.Add({{"decision", decision}});
  for (const char* kind : {"wall_time", "cpu_time", "memory", "processes",
                           "output", "file_size"}) {
    limit_hits_.Add({{"kind", kind}});
  }
}

absl::Status ServerMetrics::StartExposer(const std::string& address) {
  try {
    exposer_ = std::make_unique<prometheus::Exposer>(address);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve metrics on ", address, ": ", error.what()));
  }
  exposer_->RegisterCollectable(registry_);
  return absl::OkStatus();
}

void ServerMetrics::SetProtections(const std::vector<std::string>& active,
                                   const std::vector<std::string>& all) {
  for (const std::string& protection : all) {
    const bool on =
        std::find(active.begin(), active.end(), protection) != active.end();
    protection_active_.Add({{"protection", protection}}).Set(on ? 1 : 0);
  }
}

void ServerMetrics::ExecutionFinished(const std::string& runtime,
                                      const forge::exec::v1::Finished& finished,
                                      absl::Duration total) {
  executions_
      .Add({{"runtime", runtime},
            {"outcome",
             MetricLabel(forge::exec::v1::Outcome_Name(finished.outcome()),
                         "OUTCOME_")}})
      .Increment();
  execution_seconds_.Add({{"runtime", runtime}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(total));
  if (finished.has_usage() && finished.usage().has_wall_time()) {
    run_seconds_.Add({{"runtime", runtime}}, LatencyBuckets())
        .Observe(Seconds(finished.usage().wall_time()));
  }
  for (const auto& [type, count] : finished.redactions()) {
    redactions_.Add({{"type", type}}).Increment(static_cast<double>(count));
  }
  if (const char* kind = LimitKind(finished.outcome()))
    limit_hits_.Add({{"kind", kind}}).Increment();
  if (finished.outcome() == forge::exec::v1::OUTCOME_SANDBOX_VIOLATION) {
    std::string kind = finished.message();
    const std::string prefix = "forbidden system call: ";
    if (absl::StartsWith(kind, prefix)) kind = kind.substr(prefix.size());
    violations_.Add({{"kind", kind}}).Increment();
  }
}

void ServerMetrics::ExecutionStarted(const std::string& runtime,
                                     absl::Duration queued,
                                     absl::Duration setup) {
  queue_seconds_.Add({{"runtime", runtime}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(queued));
  setup_seconds_.Add({{"runtime", runtime}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(setup));
}

void ServerMetrics::ApprovalDecided(const std::string& decision) {
  approvals_.Add({{"decision", decision}}).Increment();
}

void ServerMetrics::LauncherRestarted() { launcher_restarts_->Increment(); }

void ServerMetrics::SetApprovalWaits(size_t waits) {
  approval_waits_->Set(static_cast<double>(waits));
}

void ServerMetrics::SetApprovalsPending(size_t pending) {
  approvals_pending_.Set(static_cast<double>(pending));
}

void ServerMetrics::Assessed(forge::exec::v1::RiskLevel level,
                             forge::exec::v1::PolicyAction action) {
  assessments_
      .Add({{"level", MetricLabel(forge::exec::v1::RiskLevel_Name(level),
                                  "RISK_LEVEL_")}})
      .Increment();
  actions_
      .Add({{"action", MetricLabel(forge::exec::v1::PolicyAction_Name(action),
                                   "POLICY_ACTION_")}})
      .Increment();
}

void ServerMetrics::SandboxInUse(const std::string& runtime, int delta) {
  pool_in_use_.Add({{"runtime", runtime}}).Increment(delta);
}

void ServerMetrics::PoolReady(const std::string& runtime, uint32_t ready) {
  pool_ready_.Add({{"runtime", runtime}}).Set(ready);
}

void ServerMetrics::PoolRefilled(const std::string& runtime,
                                 absl::Duration elapsed, bool ok) {
  if (ok) {
    pool_refill_seconds_.Add({{"runtime", runtime}}, LatencyBuckets())
        .Observe(absl::ToDoubleSeconds(elapsed));
  } else {
    pool_refill_failures_.Add({{"runtime", runtime}}).Increment();
  }
}

void ServerMetrics::PoolAcquired(const std::string& runtime, Source source,
                                 bool warm_runtime, bool warm) {
  pool_acquired_
      .Add({{"runtime", runtime},
            {"source", source == Source::kPool ? "pool" : "request_path"}})
      .Increment();
  if (warm_runtime) {
    pool_warm_.Add({{"runtime", runtime}, {"result", warm ? "hit" : "miss"}})
        .Increment();
  }
}

void ServerMetrics::SeedTypes(const std::vector<std::string>& redaction_types,
                              const std::vector<std::string>& violation_kinds) {
  for (const std::string& type : redaction_types)
    redactions_.Add({{"type", type}});
  for (const std::string& kind : violation_kinds)
    violations_.Add({{"kind", kind}});
}

void ServerMetrics::SetAdmission(uint32_t running, uint32_t queued) {
  running_.Set(running);
  queued_.Set(queued);
}

void ServerMetrics::OnBatchCommitted(size_t records, size_t, absl::Duration,
                                     absl::Duration fsync_time) {
  audit_appends_.Increment(static_cast<double>(records));
  audit_fsync_seconds_.Observe(absl::ToDoubleSeconds(fsync_time));
}

void ServerMetrics::OnWriteError(const absl::Status&) {
  audit_write_errors_.Increment();
}

}  // namespace forge::server
