#include "sandbox/sandbox_spec.h"

namespace forge::sandbox {

const char* TerminationName(Termination termination) {
  switch (termination) {
    case Termination::kExited:
      return "exited";
    case Termination::kSignaled:
      return "signaled";
    case Termination::kWallTimeout:
      return "wall-timeout";
    case Termination::kCpuTimeout:
      return "cpu-timeout";
    case Termination::kMemoryLimit:
      return "memory-limit";
    case Termination::kProcessLimit:
      return "process-limit";
    case Termination::kViolation:
      return "violation";
    case Termination::kKilled:
      return "killed";
    case Termination::kSetupError:
      return "setup-error";
  }
  return "unknown";
}

}  // namespace forge::sandbox
