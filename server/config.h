// Loading and validating the server configuration (config.proto). The
// embedded default (deploy/config/default.textproto, compiled in) is always
// the base; a file given with --config is merged over it, so a file only
// needs the fields it changes. Validation happens once, here; everything
// downstream takes `const ServerConfig&` and may trust it.
#ifndef FORGE_SERVER_CONFIG_H_
#define FORGE_SERVER_CONFIG_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forge/exec/v1/config.pb.h"

namespace forge::server {

using ::forge::exec::v1::ServerConfig;

// The embedded default configuration, parsed. Never fails in a correct
// build (a test checks it).
absl::StatusOr<ServerConfig> DefaultConfig();

// Default config merged with the textproto in `path` (empty: no file).
// Relative runtime paths are resolved against `project_dir`. INVALID_ARGUMENT
// with the file name and parser message for a bad file.
absl::StatusOr<ServerConfig> LoadConfig(const std::string& path,
                                        const std::string& project_dir);

// Same, from text (for tests and the fuzzer).
absl::StatusOr<ServerConfig> LoadConfigFromText(absl::string_view text,
                                                const std::string& project_dir);

// Checks every invariant later code relies on; the message names the field.
absl::Status ValidateConfig(const ServerConfig& config);

// The project directory baked in at build time (where .deps/ lives).
std::string DefaultProjectDir();

}  // namespace forge::server

#endif  // FORGE_SERVER_CONFIG_H_
