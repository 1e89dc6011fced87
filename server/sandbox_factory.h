// LauncherSandboxFactory: the WorkerPool's source of sandboxes in the
// server (through the LauncherSupervisor, so a restarted launcher serves
// it). A cold sandbox is the runtime's SandboxSpec; a warm one also
// carries the runtime's warm start (RuntimeRegistry::WarmStartFor) and the
// stdio its interpreter starts with: a memfd for stdin (the program gets a
// read-only open of it; the server writes the job's stdin into it later)
// and two pipes, whose read ends travel in the ReadySandbox.
//
// Thread-safe; `launcher` and `runtimes` must outlive it.
#ifndef FORGE_SERVER_SANDBOX_FACTORY_H_
#define FORGE_SERVER_SANDBOX_FACTORY_H_

#include <string>

#include "sandbox/launcher_client.h"
#include "server/launcher_supervisor.h"
#include "server/runtime_registry.h"
#include "server/worker_pool.h"

namespace forge::server {

class LauncherSandboxFactory : public SandboxFactory {
 public:
  LauncherSandboxFactory(LauncherSupervisor& launcher,
                         const RuntimeRegistry& runtimes)
      : launcher_(launcher), runtimes_(runtimes) {}

  // NOT_FOUND for an unknown runtime. A warm request for a runtime without
  // a warm runner makes a cold sandbox.
  void Create(const std::string& runtime, bool warm, bool background,
              std::vector<sandbox::BindMount> extra_binds, Done done) override;

 private:
  LauncherSupervisor& launcher_;
  const RuntimeRegistry& runtimes_;
};

// The pool's per-runtime settings from the registry (pool_size, and warm
// where the config asks for it and the runtime has a warm runner).
std::vector<PoolRuntime> PoolRuntimesFrom(const RuntimeRegistry& runtimes);

// A fresh sandbox id ("sb_" and 96 random bits).
std::string NewSandboxId();

}  // namespace forge::server

#endif  // FORGE_SERVER_SANDBOX_FACTORY_H_
