#include "server/request_validation.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "google/protobuf/util/time_util.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::ExecuteRequest;
using ::forge::exec::v1::Limits;
using ::forge::exec::v1::ServerConfig;
using ::google::protobuf::util::TimeUtil;

absl::Status Invalid(absl::string_view field, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
}

// Names that make a loader or runtime run code of the caller's choosing, or
// that the sandbox itself sets.
bool IsReservedEnvName(absl::string_view name) {
  static const auto* const kReserved =
      new absl::flat_hash_set<absl::string_view>{"PATH",
                                                 "HOME",
                                                 "TMPDIR",
                                                 "USER",
                                                 "LOGNAME",
                                                 "SHELL",
                                                 "HOSTNAME",
                                                 "PWD",
                                                 "BASH_ENV",
                                                 "ENV",
                                                 "SHELLOPTS",
                                                 "BASHOPTS",
                                                 "PS4",
                                                 "PROMPT_COMMAND",
                                                 "IFS",
                                                 "CDPATH",
                                                 "GLOBIGNORE",
                                                 "PYTHONSTARTUP",
                                                 "PYTHONHOME",
                                                 "PYTHONPATH",
                                                 "PYTHONINSPECT",
                                                 "PYTHONUSERBASE",
                                                 "PYTHONEXECUTABLE",
                                                 "PYTHONPLATLIBDIR",
                                                 "PYTHONSAFEPATH",
                                                 "PYTHONWARNINGS",
                                                 "PYTHONBREAKPOINT",
                                                 "NODE_OPTIONS",
                                                 "NODE_PATH",
                                                 "NODE_EXTRA_CA_CERTS",
                                                 "NODE_REPL_EXTERNAL_MODULE",
                                                 "DENO_DIR",
                                                 "DENO_CERT",
                                                 "DENO_AUTH_TOKENS",
                                                 "GCONV_PATH",
                                                 "HOSTALIASES",
                                                 "LOCALDOMAIN",
                                                 "RES_OPTIONS",
                                                 "MALLOC_CHECK_",
                                                 "NLSPATH",
                                                 "TZDIR",
                                                 "GETCONF_DIR",
                                                 "OPENSSL_CONF",
                                                 "SSL_CERT_FILE",
                                                 "SSL_CERT_DIR"};
  return kReserved->contains(name) || absl::StartsWith(name, "LD_") ||
         absl::StartsWith(name, "GLIBC_") ||
         absl::StartsWith(name, "MALLOC_") ||
         absl::StartsWith(name, "BASH_FUNC_") ||
         absl::StartsWith(name, "DENO_");
}

absl::Status CheckLimits(const Limits& limits, const Limits& max) {
  auto over = [](absl::string_view field, auto value, auto maximum) {
    return Invalid(
        absl::StrCat("limits.", field),
        absl::StrCat(value, " is above the server maximum of ", maximum));
  };
  for (const auto& [name, value, maximum] :
       {std::tuple{"wall_time", limits.wall_time(), max.wall_time()},
        std::tuple{"cpu_time", limits.cpu_time(), max.cpu_time()}}) {
    if (value.seconds() < 0 || value.nanos() < 0) {
      return Invalid(absl::StrCat("limits.", name), "must not be negative");
    }
    if (TimeUtil::DurationToNanoseconds(value) >
        TimeUtil::DurationToNanoseconds(maximum)) {
      return over(name, TimeUtil::ToString(value), TimeUtil::ToString(maximum));
    }
  }
  if (limits.memory_bytes() > max.memory_bytes()) {
    return over("memory_bytes", limits.memory_bytes(), max.memory_bytes());
  }
  if (limits.max_processes() > max.max_processes()) {
    return over("max_processes", limits.max_processes(), max.max_processes());
  }
  if (limits.max_output_bytes() > max.max_output_bytes()) {
    return over("max_output_bytes", limits.max_output_bytes(),
                max.max_output_bytes());
  }
  if (limits.max_file_bytes() > max.max_file_bytes()) {
    return over("max_file_bytes", limits.max_file_bytes(),
                max.max_file_bytes());
  }
  if (limits.workspace_bytes() > max.workspace_bytes()) {
    return over("workspace_bytes", limits.workspace_bytes(),
                max.workspace_bytes());
  }
  if (limits.memory_bytes() != 0 && limits.memory_bytes() < (4u << 20)) {
    return Invalid("limits.memory_bytes", "must be at least 4 MiB");
  }
  if (limits.workspace_bytes() != 0 && limits.workspace_bytes() < (64u << 10)) {
    return Invalid("limits.workspace_bytes", "must be at least 64 KiB");
  }
  return absl::OkStatus();
}

}  // namespace

bool IsAllowedEnvName(absl::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  if (!absl::ascii_isalpha(name[0]) && name[0] != '_') return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '_') return false;
  }
  return !IsReservedEnvName(name);
}

absl::Status CheckRelativePath(absl::string_view path) {
  if (path.empty()) return absl::InvalidArgumentError("is empty");
  if (path.size() > 1024)
    return absl::InvalidArgumentError("is longer than 1024 bytes");
  if (path[0] == '/')
    return absl::InvalidArgumentError(
        absl::StrCat("\"", path, "\" is absolute"));
  if (absl::StrContains(path, absl::string_view("\0", 1))) {
    return absl::InvalidArgumentError("contains a NUL byte");
  }
  for (absl::string_view part : absl::StrSplit(path, '/')) {
    if (part.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\" has an empty component"));
    }
    if (part == "..") {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\" contains \"..\""));
    }
    if (part == ".") {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", path, "\" contains \".\""));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateExecuteRequest(const ExecuteRequest& request,
                                    const ServerConfig& config) {
  const auto& bounds = config.request_limits();
  bool known_runtime = false;
  std::string known;
  for (const auto& runtime : config.runtimes()) {
    known_runtime |= runtime.name() == request.runtime();
    absl::StrAppend(&known, known.empty() ? "" : ", ", runtime.name());
  }
  if (request.runtime().empty())
    return Invalid("runtime", absl::StrCat("required; one of ", known));
  if (!known_runtime) {
    return Invalid("runtime",
                   absl::StrCat("unknown runtime \"", request.runtime(),
                                "\"; one of ", known));
  }
  if (request.code().empty()) return Invalid("code", "must not be empty");
  if (request.code().size() > bounds.max_code_bytes()) {
    return Invalid("code", absl::StrCat(request.code().size(),
                                        " bytes is over the limit of ",
                                        bounds.max_code_bytes()));
  }
  if (static_cast<uint32_t>(request.files_size()) > bounds.max_files()) {
    return Invalid("files", absl::StrCat(request.files_size(),
                                         " files is over the limit of ",
                                         bounds.max_files()));
  }
  uint64_t total_file_bytes = 0;
  absl::flat_hash_set<std::string> paths;
  for (int i = 0; i < request.files_size(); ++i) {
    const auto& file = request.files(i);
    const std::string field = absl::StrCat("files[", i, "].path");
    absl::Status path_ok = CheckRelativePath(file.path());
    if (!path_ok.ok()) return Invalid(field, path_ok.message());
    if (!paths.insert(file.path()).second) {
      return Invalid(field, absl::StrCat("\"", file.path(), "\" given twice"));
    }
    if (file.content().size() > bounds.max_file_bytes()) {
      return Invalid(
          absl::StrCat("files[", i, "].content"),
          absl::StrCat(file.content().size(), " bytes is over the limit of ",
                       bounds.max_file_bytes()));
    }
    if ((file.mode() & ~0777u) != 0) {
      return Invalid(absl::StrCat("files[", i, "].mode"),
                     "only permission bits (0777) are allowed; set-id and "
                     "sticky bits are refused");
    }
    total_file_bytes += file.content().size();
  }
  if (total_file_bytes > bounds.max_total_file_bytes()) {
    return Invalid("files", absl::StrCat(total_file_bytes,
                                         " bytes in all is over the limit of ",
                                         bounds.max_total_file_bytes()));
  }
  if (request.stdin().size() > bounds.max_stdin_bytes()) {
    return Invalid("stdin", absl::StrCat(request.stdin().size(),
                                         " bytes is over the limit of ",
                                         bounds.max_stdin_bytes()));
  }
  if (static_cast<uint32_t>(request.args_size()) > bounds.max_args()) {
    return Invalid("args", absl::StrCat(request.args_size(),
                                        " arguments is over the limit of ",
                                        bounds.max_args()));
  }
  for (int i = 0; i < request.args_size(); ++i) {
    if (request.args(i).size() > bounds.max_arg_bytes() ||
        absl::StrContains(request.args(i), absl::string_view("\0", 1))) {
      return Invalid(absl::StrCat("args[", i, "]"),
                     "too long or contains a NUL byte");
    }
  }
  if (static_cast<uint32_t>(request.env_size()) > bounds.max_env()) {
    return Invalid("env", absl::StrCat(request.env_size(),
                                       " variables is over the limit of ",
                                       bounds.max_env()));
  }
  for (const auto& [name, value] : request.env()) {
    if (!IsAllowedEnvName(name)) {
      return Invalid(
          absl::StrCat("env[", name, "]"),
          "name not allowed (must match [A-Za-z_][A-Za-z0-9_]* and not be a "
          "loader, shell or runtime variable such as LD_PRELOAD, PATH or "
          "NODE_OPTIONS)");
    }
    if (value.size() > bounds.max_env_value_bytes() ||
        absl::StrContains(value, absl::string_view("\0", 1))) {
      return Invalid(absl::StrCat("env[", name, "]"),
                     "value too long or contains a NUL byte");
    }
  }
  FORGE_RETURN_IF_ERROR(CheckLimits(request.limits(), config.max_limits()));
  if (request.network() == forge::exec::v1::NETWORK_POLICY_EGRESS &&
      !config.sandbox().allow_egress()) {
    return Invalid("network",
                   "NETWORK_POLICY_EGRESS is not allowed by this server");
  }
  if (!forge::exec::v1::NetworkPolicy_IsValid(request.network())) {
    return Invalid("network", "unknown network policy");
  }
  if (static_cast<uint32_t>(request.output_files_size()) >
      bounds.max_output_files()) {
    return Invalid(
        "output_files",
        absl::StrCat("more than ", bounds.max_output_files(), " patterns"));
  }
  for (int i = 0; i < request.output_files_size(); ++i) {
    absl::Status path_ok = CheckRelativePath(request.output_files(i));
    if (!path_ok.ok())
      return Invalid(absl::StrCat("output_files[", i, "]"), path_ok.message());
  }
  if (request.session_id().size() > 256)
    return Invalid("session_id", "longer than 256 bytes");
  if (request.approval_wait().seconds() < 0 ||
      request.approval_wait().nanos() < 0) {
    return Invalid("approval_wait", "must not be negative");
  }
  if (request.labels_size() > 64)
    return Invalid("labels", "more than 64 labels");
  return absl::OkStatus();
}

EffectiveLimits ResolveLimits(const Limits& requested,
                              const ServerConfig& config) {
  const Limits& d = config.default_limits();
  auto pick_duration = [](const google::protobuf::Duration& value,
                          const google::protobuf::Duration& fallback) {
    const auto& chosen =
        (value.seconds() == 0 && value.nanos() == 0) ? fallback : value;
    return absl::Nanoseconds(TimeUtil::DurationToNanoseconds(chosen));
  };
  auto pick = [](auto value, auto fallback) {
    return value == 0 ? fallback : value;
  };
  EffectiveLimits limits;
  limits.sandbox.wall_time =
      pick_duration(requested.wall_time(), d.wall_time());
  limits.sandbox.cpu_time = pick_duration(requested.cpu_time(), d.cpu_time());
  limits.sandbox.memory_bytes =
      pick(requested.memory_bytes(), d.memory_bytes());
  limits.sandbox.max_processes =
      pick(requested.max_processes(), d.max_processes());
  limits.sandbox.max_file_bytes =
      pick(requested.max_file_bytes(), d.max_file_bytes());
  limits.sandbox.workspace_bytes =
      pick(requested.workspace_bytes(), d.workspace_bytes());
  limits.sandbox.max_open_files = config.sandbox().max_open_files();
  limits.max_output_bytes =
      pick(requested.max_output_bytes(), d.max_output_bytes());
  return limits;
}

}  // namespace forge::server
