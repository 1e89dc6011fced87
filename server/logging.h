// spdlog setup: one logger per component ("server", "execution", "launcher",
// ...), all writing to stderr, in "text" (key=value message after a
// timestamp/level/component prefix) or "json" (one object per line) format.
// Messages are written as key=value pairs by convention, with execution_id
// first on every line about an execution.
#ifndef FORGE_SERVER_LOGGING_H_
#define FORGE_SERVER_LOGGING_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "spdlog/logger.h"

namespace forge::server {

// Sets the level ("info", ...) and format ("text" or "json") for every
// logger made by ComponentLogger, before or after this call.
absl::Status ConfigureLogging(const std::string& level,
                              const std::string& format);

// The logger of `component`, created on first use. Thread-safe.
std::shared_ptr<spdlog::logger> ComponentLogger(const std::string& component);

}  // namespace forge::server

#endif  // FORGE_SERVER_LOGGING_H_
