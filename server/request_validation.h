// Validation of untrusted requests, in one place. Every refusal is
// INVALID_ARGUMENT whose message starts with the offending field's name, so
// a caller can fix the request without reading server logs.
#ifndef FORGE_SERVER_REQUEST_VALIDATION_H_
#define FORGE_SERVER_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forge/exec/v1/config.pb.h"
#include "forge/exec/v1/execution.pb.h"
#include "sandbox/sandbox_spec.h"

namespace forge::server {

// Limits of one execution after defaults and maxima are applied.
struct EffectiveLimits {
  sandbox::ResourceLimits sandbox;
  uint64_t max_output_bytes = 0;  // per stream
};

// Checks `request` against the config: known runtime, non-empty code within
// size, files (count, sizes, relative paths without "..", NUL or empty
// components, no set-id modes), stdin, args, env (names, reserved and
// code-loading names such as LD_PRELOAD refused), limits within max_limits,
// network policy allowed, output_files globs.
absl::Status ValidateExecuteRequest(
    const forge::exec::v1::ExecuteRequest& request,
    const forge::exec::v1::ServerConfig& config);

// The limits `request` runs with: its own where set, else the defaults.
// Call only after ValidateExecuteRequest succeeded.
EffectiveLimits ResolveLimits(const forge::exec::v1::Limits& requested,
                              const forge::exec::v1::ServerConfig& config);

// True when `name` may be set by a request: [A-Za-z_][A-Za-z0-9_]* and not a
// name the loader or a runtime treats as code or that the sandbox sets.
bool IsAllowedEnvName(absl::string_view name);

// OK for a relative path like "data/in.csv"; the message says what is wrong.
absl::Status CheckRelativePath(absl::string_view path);

}  // namespace forge::server

#endif  // FORGE_SERVER_REQUEST_VALIDATION_H_
