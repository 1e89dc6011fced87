#include "server/config.h"

#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "server/embedded_config.h"
#include "server/mcp/mcp_config.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::Limits;

// Collects parser errors with their positions instead of printing them.
class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (errors_.empty())
      errors_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string errors_;
};

absl::Status ParseInto(absl::string_view text, absl::string_view source,
                       ServerConfig* config) {
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(std::string(text), config)) {
    return absl::InvalidArgumentError(
        absl::StrCat("config ", source, ": ", errors.errors()));
  }
  return absl::OkStatus();
}

void ResolveRelativePaths(ServerConfig& config,
                          const std::string& project_dir) {
  if (!config.cars_rules_path().empty() && config.cars_rules_path()[0] != '/') {
    config.set_cars_rules_path(
        absl::StrCat(project_dir, "/", config.cars_rules_path()));
  }
  for (auto& runtime : *config.mutable_runtimes()) {
    if (!runtime.binary().empty() && runtime.binary()[0] != '/') {
      runtime.set_binary(absl::StrCat(project_dir, "/", runtime.binary()));
    }
  }
}

absl::Status CheckLimitsWithin(const Limits& value, const Limits& max,
                               absl::string_view name) {
  using google::protobuf::util::TimeUtil;
  auto over = [&](absl::string_view field) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ".", field, " exceeds max_limits.", field));
  };
  if (TimeUtil::DurationToNanoseconds(value.wall_time()) >
      TimeUtil::DurationToNanoseconds(max.wall_time()))
    return over("wall_time");
  if (TimeUtil::DurationToNanoseconds(value.cpu_time()) >
      TimeUtil::DurationToNanoseconds(max.cpu_time()))
    return over("cpu_time");
  if (value.memory_bytes() > max.memory_bytes()) return over("memory_bytes");
  if (value.max_processes() > max.max_processes()) return over("max_processes");
  if (value.max_output_bytes() > max.max_output_bytes())
    return over("max_output_bytes");
  if (value.max_file_bytes() > max.max_file_bytes())
    return over("max_file_bytes");
  if (value.workspace_bytes() > max.workspace_bytes())
    return over("workspace_bytes");
  return absl::OkStatus();
}

}  // namespace

std::string DefaultProjectDir() { return FORGE_PROJECT_DIR; }

absl::StatusOr<ServerConfig> DefaultConfig() {
  ServerConfig config;
  FORGE_RETURN_IF_ERROR(
      ParseInto(kEmbeddedDefaultConfig, "(embedded default)", &config));
  return config;
}

absl::StatusOr<ServerConfig> LoadConfigFromText(
    absl::string_view text, const std::string& project_dir) {
  FORGE_ASSIGN_OR_RETURN(ServerConfig config, DefaultConfig());
  ServerConfig overlay;
  FORGE_RETURN_IF_ERROR(ParseInto(text, "(text)", &overlay));
  // Repeated fields given in the file replace the defaults' instead of
  // appending to them (a file listing runtimes means exactly those).
  if (overlay.runtimes_size() > 0) config.clear_runtimes();
  if (overlay.sandbox().common_binds_size() > 0)
    config.mutable_sandbox()->clear_common_binds();
  if (overlay.mcp().runtimes_size() > 0) config.mutable_mcp()->clear_runtimes();
  config.MergeFrom(overlay);
  ResolveRelativePaths(config, project_dir);
  FORGE_RETURN_IF_ERROR(ValidateConfig(config));
  return config;
}

absl::StatusOr<ServerConfig> LoadConfig(const std::string& path,
                                        const std::string& project_dir) {
  if (path.empty()) return LoadConfigFromText("", project_dir);
  std::ifstream file(path);
  if (!file)
    return absl::NotFoundError(
        absl::StrCat("config file ", path, " cannot be read"));
  std::stringstream text;
  text << file.rdbuf();
  absl::StatusOr<ServerConfig> config =
      LoadConfigFromText(text.str(), project_dir);
  if (!config.ok()) {
    return absl::Status(config.status().code(),
                        absl::StrCat(path, ": ", config.status().message()));
  }
  return config;
}

absl::Status ValidateConfig(const ServerConfig& config) {
  FORGE_RETURN_IF_ERROR(mcp::ValidateMcpConfig(config.mcp()));
  if (config.listen().empty())
    return absl::InvalidArgumentError("listen must be set");
  static const auto* const kLevels = new absl::flat_hash_set<std::string>{
      "trace", "debug", "info", "warn", "error", "critical", "off"};
  if (!kLevels->contains(config.log_level())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "log_level \"", config.log_level(),
        "\" is not one of trace, debug, info, warn, error, critical, off"));
  }
  if (config.log_format() != "text" && config.log_format() != "json") {
    return absl::InvalidArgumentError(
        "log_format must be \"text\" or \"json\"");
  }
  if (config.sandbox().host_uid() == 0 || config.sandbox().host_gid() == 0) {
    return absl::InvalidArgumentError(
        "sandbox.host_uid and sandbox.host_gid must not be 0: sandboxed code "
        "never runs as host root");
  }
  for (const std::string& bind : config.sandbox().common_binds()) {
    if (bind.empty() || bind[0] != '/' || absl::StrContains(bind, "..")) {
      return absl::InvalidArgumentError(absl::StrCat(
          "sandbox.common_binds: \"", bind, "\" must be an absolute path"));
    }
  }
  if (config.runtimes_size() == 0)
    return absl::InvalidArgumentError("runtimes: none configured");
  absl::flat_hash_set<std::string> names;
  for (const auto& runtime : config.runtimes()) {
    if (runtime.name().empty())
      return absl::InvalidArgumentError("runtimes.name must be set");
    if (!names.insert(runtime.name()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("runtimes: duplicate name ", runtime.name()));
    }
    if (runtime.binary().empty() || runtime.binary()[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat("runtimes[", runtime.name(), "].binary must be a path"));
    }
    if (runtime.script_name().empty() ||
        absl::StrContains(runtime.script_name(), "/")) {
      return absl::InvalidArgumentError(
          absl::StrCat("runtimes[", runtime.name(),
                       "].script_name must be a plain file name"));
    }
  }
  const auto& limits = config.request_limits();
  if (limits.max_code_bytes() == 0 || limits.max_message_bytes() == 0) {
    return absl::InvalidArgumentError(
        "request_limits.max_code_bytes and max_message_bytes must be positive");
  }
  if (config.admission().max_concurrent() == 0) {
    return absl::InvalidArgumentError(
        "admission.max_concurrent must be positive");
  }
  const auto& defaults = config.default_limits();
  if (!defaults.has_wall_time() || !defaults.has_cpu_time() ||
      defaults.memory_bytes() == 0 || defaults.max_processes() == 0 ||
      defaults.max_output_bytes() == 0 || defaults.max_file_bytes() == 0 ||
      defaults.workspace_bytes() == 0) {
    return absl::InvalidArgumentError(
        "default_limits: every field must be set");
  }
  return CheckLimitsWithin(defaults, config.max_limits(), "default_limits");
}

}  // namespace forge::server
