// ServerMetrics: every Prometheus series forge-execd exports (the table in
// docs/OPERATIONS.md is the contract), on prometheus-cpp's pull Exposer at
// config.metrics_listen (/metrics). Components report through the small
// methods below; label values are lower-case without enum prefixes
// (outcome="wall_timeout"). Known label combinations are created at zero at
// start so every family appears in the first scrape.
//
// Thread-safe (prometheus-cpp metrics are atomic).
#ifndef FORGE_SERVER_METRICS_H_
#define FORGE_SERVER_METRICS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.pb.h"
#include "prometheus/counter.h"
#include "prometheus/exposer.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/audit/audit_options.h"
#include "server/worker_pool.h"

namespace forge::server {

class ServerMetrics : public audit::AuditObserver, public PoolObserver {
 public:
  // Registers every family; `runtimes` and `protections` seed the labelled
  // series. The exposer starts only with StartExposer.
  ServerMetrics(const std::vector<std::string>& runtimes,
                uint32_t max_concurrent);

  // Serves /metrics on `address` (host:port). UNAVAILABLE if it cannot bind.
  absl::Status StartExposer(const std::string& address);

  // All protections a sandbox may have, and which are in force.
  void SetProtections(const std::vector<std::string>& active,
                      const std::vector<std::string>& all);

  void ExecutionFinished(const std::string& runtime,
                         const forge::exec::v1::Finished& finished,
                         absl::Duration total);
  void ExecutionStarted(const std::string& runtime, absl::Duration queued,
                        absl::Duration setup);
  void Assessed(forge::exec::v1::RiskLevel level,
                forge::exec::v1::PolicyAction action);
  void SetAdmission(uint32_t running, uint32_t queued);
  // An approval was decided: "approved", "denied" or "expired".
  void ApprovalDecided(const std::string& decision);
  void SetApprovalsPending(size_t pending);
  // Execute streams held open waiting for an approval decision.
  void SetApprovalWaits(size_t waits);
  // Creates the redaction series of every type the filter can report, and
  // violation series of the syscalls most often tried, at zero.
  void SeedTypes(const std::vector<std::string>& redaction_types,
                 const std::vector<std::string>& violation_kinds);
  // A sandbox of `runtime` started (+1) or ended (-1) running a program.
  void SandboxInUse(const std::string& runtime, int delta);
  // The sandbox launcher died and a new one was started.
  void LauncherRestarted();

  // PoolObserver (worker_pool.h)
  void PoolReady(const std::string& runtime, uint32_t ready) override;
  void PoolRefilled(const std::string& runtime, absl::Duration elapsed,
                    bool ok) override;
  void PoolAcquired(const std::string& runtime, Source source,
                    bool warm_runtime, bool warm) override;

  // audit::AuditObserver
  void OnBatchCommitted(size_t records, size_t bytes, absl::Duration write_time,
                        absl::Duration fsync_time) override;
  void OnWriteError(const absl::Status& error) override;

  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  prometheus::Family<prometheus::Counter>& executions_;
  prometheus::Gauge& running_;
  prometheus::Gauge& queued_;
  prometheus::Family<prometheus::Histogram>& queue_seconds_;
  prometheus::Family<prometheus::Histogram>& setup_seconds_;
  prometheus::Family<prometheus::Histogram>& run_seconds_;
  prometheus::Family<prometheus::Histogram>& execution_seconds_;
  prometheus::Family<prometheus::Gauge>& pool_ready_;
  prometheus::Family<prometheus::Gauge>& pool_in_use_;
  prometheus::Family<prometheus::Histogram>& pool_refill_seconds_;
  prometheus::Family<prometheus::Counter>& pool_refill_failures_;
  prometheus::Family<prometheus::Counter>& pool_acquired_;
  prometheus::Family<prometheus::Counter>& pool_warm_;
  prometheus::Family<prometheus::Gauge>& protection_active_;
  prometheus::Family<prometheus::Counter>& assessments_;
  prometheus::Family<prometheus::Counter>& actions_;
  prometheus::Family<prometheus::Counter>& approvals_;
  prometheus::Gauge& approvals_pending_;
  prometheus::Family<prometheus::Counter>& redactions_;
  prometheus::Family<prometheus::Counter>& violations_;
  prometheus::Family<prometheus::Counter>& limit_hits_;
  prometheus::Counter& audit_appends_;
  prometheus::Histogram& audit_fsync_seconds_;
  prometheus::Counter& audit_write_errors_;
  prometheus::Counter* launcher_restarts_ = nullptr;
  prometheus::Gauge* approval_waits_ = nullptr;
};

// "OUTCOME_WALL_TIMEOUT" → "wall_timeout": an enum value name without its
// prefix, lower-case.
std::string MetricLabel(const std::string& enum_value_name,
                        const std::string& prefix);

}  // namespace forge::server

#endif  // FORGE_SERVER_METRICS_H_
