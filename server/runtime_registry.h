// The runtimes this server offers (python, javascript, typescript, bash, ...)
// as configured, with their interpreter versions probed once at start-up, and
// the translation of a request into the sandbox's vocabulary: which host
// paths a sandbox binds, and which argv/env/files a job gets.
//
// Immutable after Create; thread-safe.
#ifndef FORGE_SERVER_RUNTIME_REGISTRY_H_
#define FORGE_SERVER_RUNTIME_REGISTRY_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "forge/exec/v1/config.pb.h"
#include "forge/exec/v1/execution.pb.h"
#include "sandbox/sandbox_spec.h"

namespace forge::server {

struct RuntimeInfo {
  forge::exec::v1::RuntimeConfig config;
  std::string version;                    // first line of `binary --version`
  std::string binary_in_sandbox;          // absolute path the job execs
  std::vector<sandbox::BindMount> binds;  // common binds + the runtime's own
};

class RuntimeRegistry {
 public:
  // Probes each runtime's binary (it must exist and print a version within a
  // few seconds). FAILED_PRECONDITION naming the runtime when one is missing,
  // so the operator learns at start-up, not at the first request.
  static absl::StatusOr<std::unique_ptr<RuntimeRegistry>> Create(
      const forge::exec::v1::ServerConfig& config);

  // nullptr for an unknown name.
  const RuntimeInfo* Find(absl::string_view name) const;
  const std::vector<RuntimeInfo>& runtimes() const { return runtimes_; }

  // The sandbox a job of `runtime` needs (binds, ids, tmpfs sizes).
  sandbox::SandboxSpec SandboxSpecFor(const RuntimeInfo& runtime,
                                      const std::string& sandbox_id) const;

  // How a warm sandbox of `runtime` starts its interpreter: the job's argv
  // up to the script, then the warm runner's own arguments
  // (sandbox/warm_runner.h), with exactly the environment JobFor gives a
  // request without env. nullopt when the runtime has no warm runner.
  std::optional<sandbox::WarmStart> WarmStartFor(
      const RuntimeInfo& runtime) const;

  // The job for a validated request: the code becomes /workspace/<script_name>
  // next to the request's files. INVALID_ARGUMENT when a file would replace
  // the script.
  absl::StatusOr<sandbox::JobSpec> JobFor(
      const RuntimeInfo& runtime,
      const forge::exec::v1::ExecuteRequest& request) const;

 private:
  explicit RuntimeRegistry(const forge::exec::v1::ServerConfig& config)
      : config_(config) {}

  // The environment every job of `runtime` gets before the request's own.
  std::vector<std::string> BaseEnv(const RuntimeInfo& runtime) const;

  const forge::exec::v1::ServerConfig config_;
  std::vector<RuntimeInfo> runtimes_;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_RUNTIME_REGISTRY_H_
