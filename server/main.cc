// forge-execd: the forge-exec server. Flags override the config field they
// name; everything else is configuration (server/config.h).
//
//   forge-execd [--config FILE] [--listen HOST:PORT] [--metrics_listen
//   HOST:PORT]
//               [--log_level LEVEL]
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "cars/assessor.h"
#include "cars/rules_file.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/fmt_absl.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "sandbox/launcher_client.h"
#include "server/admission.h"
#include "server/approval_gate.h"
#include "server/audit/audit_log.h"
#include "server/audit/audit_options.h"
#include "server/auth/authenticator.h"
#include "server/auth/tls_credentials.h"
#include "server/config.h"
#include "server/embedded_config.h"
#include "server/execution_service.h"
#include "server/grpc_server_options.h"
#include "server/launcher_supervisor.h"
#include "server/logging.h"
#include "server/mcp/tool_service.h"
#include "server/metrics.h"
#include "server/output_pump.h"
#include "server/privacy/redactor.h"
#include "server/privacy_secret_scanner.h"
#include "server/runtime_registry.h"
#include "server/sandbox_factory.h"
#include "server/tool_call_approvals.h"
#include "server/tool_call_metrics.h"
#include "server/worker_pool.h"

ABSL_FLAG(std::string, config, "",
          "Server config (textproto); default: the embedded config");
ABSL_FLAG(std::string, listen, "",
          "gRPC listen address host:port (port 0 picks a free port)");
ABSL_FLAG(std::string, metrics_listen, "(config)",
          "Prometheus listen address host:port; empty disables metrics");
ABSL_FLAG(std::string, log_level, "",
          "trace, debug, info, warn, error, critical or off");

namespace forge::server {
namespace {

constexpr char kServiceName[] = "forge.exec.v1.ExecutionService";

std::string DirOfSelf() {
  char path[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (n <= 0) return ".";
  path[n] = '\0';
  std::string self(path);
  return self.substr(0, self.rfind('/'));
}

// The launcher configured, else next to this binary (installed layout), else
// in the build tree's sandbox/ directory.
std::string FindLauncher(const ServerConfig& config) {
  if (!config.sandbox().launcher_path().empty())
    return config.sandbox().launcher_path();
  const std::string dir = DirOfSelf();
  for (const std::string& candidate :
       {absl::StrCat(dir, "/forge-launcher"),
        absl::StrCat(dir, "/../sandbox/forge-launcher")}) {
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return absl::StrCat(dir, "/forge-launcher");
}

// The configured CARS policy; limits above the server's defaults count as
// risk unless the policy names other reference limits.
forge::exec::v1::CarsPolicy CarsPolicyFor(const ServerConfig& config) {
  forge::exec::v1::CarsPolicy policy = config.cars();
  if (!policy.has_default_limits()) {
    *policy.mutable_default_limits() = config.default_limits();
  }
  return policy;
}

int Fail(const std::string& what, const absl::Status& status) {
  std::fprintf(stderr, "forge-execd: %s: %s\n", what.c_str(),
               std::string(status.message()).c_str());
  return 1;
}

int Run(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "forge-execd [--config FILE] [--listen HOST:PORT] [--metrics_listen "
      "HOST:PORT] "
      "[--log_level LEVEL]");
  absl::ParseCommandLine(argc, argv);

  absl::StatusOr<ServerConfig> loaded =
      LoadConfig(absl::GetFlag(FLAGS_config), DefaultProjectDir());
  if (!loaded.ok()) return Fail("configuration", loaded.status());
  ServerConfig config = std::move(*loaded);
  if (!absl::GetFlag(FLAGS_listen).empty())
    config.set_listen(absl::GetFlag(FLAGS_listen));
  if (absl::GetFlag(FLAGS_metrics_listen) != "(config)") {
    config.set_metrics_listen(absl::GetFlag(FLAGS_metrics_listen));
  }
  if (!absl::GetFlag(FLAGS_log_level).empty())
    config.set_log_level(absl::GetFlag(FLAGS_log_level));
  if (absl::Status valid = ValidateConfig(config); !valid.ok())
    return Fail("configuration", valid);
  absl::StatusOr<std::unique_ptr<auth::Authenticator>> authenticator =
      auth::AuthenticatorFromConfig(config);
  if (!authenticator.ok()) return Fail("auth", authenticator.status());
  absl::StatusOr<std::unique_ptr<TenantQuotas>> quotas =
      TenantQuotas::Create(config.tenant_quotas(), Clock::Real());
  if (!quotas.ok()) return Fail("configuration", quotas.status());
  if (absl::Status logging =
          ConfigureLogging(config.log_level(), config.log_format());
      !logging.ok()) {
    return Fail("logging", logging);
  }
  auto log = ComponentLogger("server");

  // Signals are handled by sigwait below; block them before any thread
  // starts so every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  // After the mask: making credentials starts gRPC's threads.
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      auth::ServerCredentialsFromConfig(config.auth());
  if (!credentials.ok()) return Fail("auth", credentials.status());

  absl::StatusOr<std::unique_ptr<RuntimeRegistry>> runtimes =
      RuntimeRegistry::Create(config);
  if (!runtimes.ok()) return Fail("runtimes", runtimes.status());
  for (const RuntimeInfo& runtime : (*runtimes)->runtimes()) {
    log->info("event=runtime name={} version=\"{}\" binary={}",
              runtime.config.name(), runtime.version, runtime.config.binary());
  }
  // The launcher is restarted if it dies; the pool and the metrics hear of
  // it once they exist (the hook is set below).
  std::atomic<WorkerPool*> restart_pool{nullptr};
  std::atomic<ServerMetrics*> restart_metrics{nullptr};
  LauncherSupervisorOptions launcher_options;
  launcher_options.launcher_path = FindLauncher(config);
  launcher_options.args = {
      absl::StrCat("--cgroup-parent=", config.sandbox().cgroup_parent())};
  launcher_options.on_restart = [&restart_pool, &restart_metrics](pid_t) {
    if (ServerMetrics* metrics = restart_metrics.load()) {
      metrics->LauncherRestarted();
    }
    if (WorkerPool* pool = restart_pool.load()) pool->DiscardLost();
  };
  absl::StatusOr<std::unique_ptr<LauncherSupervisor>> launcher =
      LauncherSupervisor::Start(std::move(launcher_options),
                                ComponentLogger("launcher"));
  if (!launcher.ok()) return Fail("launcher", launcher.status());
  log->info("event=launcher_started path={} pid={}", FindLauncher(config),
            (*launcher)->launcher_pid());
  absl::StatusOr<forge::exec::v1::CarsRuleSet> rules =
      config.cars_rules_path().empty()
          ? cars::ParseRuleSet(kEmbeddedCarsRules)
          : cars::LoadRuleSetFile(config.cars_rules_path());
  if (!rules.ok()) return Fail("CARS rules", rules.status());
  absl::StatusOr<std::unique_ptr<privacy::Redactor>> redactor =
      privacy::Redactor::CreateFromConfig(config.privacy());
  if (!redactor.ok()) return Fail("privacy filter", redactor.status());
  log->info("event=privacy_ready rules_version={} types={}",
            (*redactor)->rules_version(), (*redactor)->type_names().size());
  absl::StatusOr<std::unique_ptr<cars::Assessor>> assessor =
      cars::Assessor::Create(
          *rules, CarsPolicyFor(config),
          std::make_shared<PrivacySecretScanner>(**redactor));
  if (!assessor.ok()) return Fail("CARS policy", assessor.status());
  log->info("event=cars_ready rules={} policy_version={}", rules->rules_size(),
            (*assessor)->policy_version());
  std::vector<std::string> runtime_names;
  for (const RuntimeInfo& runtime : (*runtimes)->runtimes()) {
    runtime_names.push_back(runtime.config.name());
  }
  ServerMetrics metrics(runtime_names, config.admission().max_concurrent());
  metrics.SeedTypes((*redactor)->type_names(),
                    {"ptrace", "mount", "unshare", "setns", "bpf",
                     "perf_event_open", "keyctl", "socket", "personality"});
  if (!config.metrics_listen().empty()) {
    if (absl::Status exposed = metrics.StartExposer(config.metrics_listen());
        !exposed.ok()) {
      return Fail("metrics", exposed);
    }
    log->info("event=metrics_listening address={}", config.metrics_listen());
  }
  absl::StatusOr<audit::AuditLogOptions> audit_options =
      audit::AuditLogOptions::FromConfig(config.audit());
  if (!audit_options.ok()) return Fail("audit", audit_options.status());
  audit_options->observer = &metrics;
  std::error_code fs_error;
  const std::string key_path =
      audit::AuditLogOptions::SigningKeyPath(config.audit());
  // The key usually lives in the log directory, which may not exist yet.
  std::filesystem::create_directories(key_path.substr(0, key_path.rfind('/')),
                                      fs_error);
  absl::StatusOr<Ed25519PrivateKey> signing_key =
      Ed25519PrivateKey::LoadOrGenerate(
          audit::AuditLogOptions::SigningKeyPath(config.audit()));
  if (!signing_key.ok()) return Fail("audit signing key", signing_key.status());
  absl::StatusOr<std::unique_ptr<audit::AuditLog>> audit_log =
      audit::AuditLog::Open(
          *audit_options,
          std::make_shared<const Ed25519PrivateKey>(std::move(*signing_key)),
          Clock::Real());
  if (!audit_log.ok()) return Fail("audit log", audit_log.status());
  log->info("event=audit_ready dir={} records={}", audit_options->dir,
            (*audit_log)->committed_records());
  absl::StatusOr<ApprovalGateOptions> approval_options =
      ApprovalGateOptions::FromConfig(config);
  if (!approval_options.ok())
    return Fail("approvals", approval_options.status());
  absl::StatusOr<std::unique_ptr<ApprovalGate>> approvals = ApprovalGate::Open(
      *approval_options, **audit_log, metrics, ComponentLogger("approvals"));
  if (!approvals.ok()) return Fail("approvals", approvals.status());
  absl::StatusOr<std::unique_ptr<OutputPump>> pump = OutputPump::Create();
  if (!pump.ok()) return Fail("output pump", pump.status());
  Admission admission(config.admission().max_concurrent(),
                      config.admission().max_queued());

  // MCP tool access, when the config registers servers (they are started
  // and their tools listed now; one that fails is retried later).
  // Destructive calls wait for a person through the approvals above.
  ToolCallMetrics tool_metrics(metrics.registry());
  ToolCallApprovals tool_approvals(**approvals, **audit_log, **redactor,
                                   (*assessor)->policy_version(),
                                   ComponentLogger("mcp"));
  std::unique_ptr<mcp::ToolService> tools;
  if (config.mcp().servers_size() > 0) {
    absl::StatusOr<std::unique_ptr<mcp::ToolService>> created =
        mcp::ToolService::Create(
            config.mcp(), audit_log->get(), ComponentLogger("mcp"),
            config.sandbox().host_uid(), {&tool_approvals, &tool_metrics});
    if (!created.ok()) return Fail("mcp", created.status());
    tools = std::move(*created);
  }

  LauncherSandboxFactory sandbox_factory(**launcher, **runtimes);
  WorkerPool pool(sandbox_factory, PoolRuntimesFrom(**runtimes), &metrics);
  restart_metrics = &metrics;
  restart_pool = &pool;
  // Before the pool goes, on every path: no restart hook runs after this,
  // and every creation the pool waits for has ended.
  absl::Cleanup stop_launcher = [&launcher] { (*launcher)->StopLauncher(); };

  AccessAudit access_audit(**audit_log, Clock::Real());
  ServiceContext context{config,
                         **authenticator,
                         **runtimes,
                         **launcher,
                         pool,
                         **pump,
                         admission,
                         **assessor,
                         **redactor,
                         **audit_log,
                         **approvals,
                         metrics,
                         ComponentLogger("execution"),
                         access_audit,
                         **quotas,
                         tools.get()};
  ExecutionService service(context);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen(), *credentials, &port);
  GrpcServerOptions::FromConfig(config.grpc()).ApplyTo(builder);
  builder.RegisterService(&service);
  const int max_message = static_cast<int>(
      std::min<uint64_t>(config.request_limits().max_message_bytes(), INT_MAX));
  builder.SetMaxReceiveMessageSize(max_message);
  builder.SetMaxSendMessageSize(max_message);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail("listen", absl::UnavailableError(absl::StrCat(
                              "cannot listen on ", config.listen())));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  health->SetServingStatus(kServiceName, true);
  const std::string host =
      config.listen().substr(0, config.listen().rfind(':'));
  // One machine-readable line on stdout (tests and scripts read the port).
  std::printf("forge-execd listening on %s:%d\n", host.c_str(), port);
  std::fflush(stdout);
  log->info("event=listening address={}:{} tls={} client_cert={}", host, port,
            config.auth().has_tls(),
            config.auth().tls().require_client_cert()       ? "required"
            : !config.auth().tls().client_ca_path().empty() ? "optional"
                                                            : "off");
  // Ready sandboxes are made in the background, after the server listens.
  pool.Start();

  int received = 0;
  sigwait(&signals, &received);
  log->info("event=draining signal={} active={}", received,
            service.active_calls());
  service.StartDraining();
  (*approvals)->EndWaits();
  health->SetServingStatus(false);
  health->SetServingStatus(kServiceName, false);
  const absl::Duration drain = absl::Seconds(config.drain_timeout().seconds());
  if (!service.WaitUntilIdle(drain)) {
    log->warn("event=drain_timeout active={}", service.active_calls());
  }
  // Cancels whatever still runs after the drain window.
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  // No restart from here on; no ready sandbox outlives the server.
  (*launcher)->Shutdown();
  pool.Shutdown();
  // Every sandbox dies, and every creation in flight fails, while the pool
  // is still there to hear it.
  (*launcher)->StopLauncher();
  (*approvals)->Close();
  // Whatever is still queued is written and the head signed.
  if (absl::Status closed = (*audit_log)->Close(); !closed.ok()) {
    log->error("event=audit_close_failed error=\"{}\"", closed.message());
  }
  log->info("event=stopped");
  return 0;
}

}  // namespace
}  // namespace forge::server

int main(int argc, char** argv) { return forge::server::Run(argc, argv); }
