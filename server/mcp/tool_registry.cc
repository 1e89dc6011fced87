#include "server/mcp/tool_registry.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/fmt_absl.h"
#include "google/protobuf/util/time_util.h"
#include "server/mcp/mcp_config.h"

namespace forge::mcp {
namespace {

using ::google::protobuf::util::TimeUtil;

constexpr int kDefaultPoolSize = 2;
constexpr absl::Duration kDefaultCallTimeout = absl::Seconds(30);
constexpr absl::Duration kDefaultConnectTimeout = absl::Seconds(15);
constexpr uint32_t kDefaultMaxCalls = 100;
constexpr uint64_t kDefaultMaxResultBytes = 1 << 20;
constexpr uint64_t kDefaultMaxArgumentBytes = 256 << 10;
constexpr char kDefaultToolsDir[] = "/run/forge-exec/tools";
constexpr absl::Duration kRelistInterval = absl::Seconds(10);

absl::Duration FromProto(const google::protobuf::Duration& d,
                         absl::Duration fallback) {
  const int64_t ms = TimeUtil::DurationToMilliseconds(d);
  return ms > 0 ? absl::Milliseconds(ms) : fallback;
}

// A tool name as an identifier: [A-Za-z0-9_], not starting with a digit,
// not a keyword of Python or TypeScript.
std::string Identifier(absl::string_view name) {
  static const std::set<std::string>* const kReserved =
      new std::set<std::string>{
          "False",  "None",     "True",     "and",     "as",         "assert",
          "async",  "await",    "break",    "class",   "continue",   "def",
          "del",    "elif",     "else",     "except",  "finally",    "for",
          "from",   "global",   "if",       "import",  "in",         "is",
          "lambda", "nonlocal", "not",      "or",      "pass",       "raise",
          "return", "try",      "while",    "with",    "yield",      "case",
          "catch",  "const",    "debugger", "default", "delete",     "do",
          "enum",   "export",   "extends",  "false",   "function",   "let",
          "new",    "null",     "super",    "switch",  "this",       "throw",
          "true",   "typeof",   "var",      "void",    "instanceof", "call",
          "index"};
  // A leading digit gets a '_' in front.
  std::string out =
      name.empty() || absl::ascii_isdigit(name[0]) ? "_" : std::string();
  for (char c : name) out.push_back(absl::ascii_isalnum(c) ? c : '_');
  if (kReserved->count(out)) out.push_back('_');
  return out;
}

std::string Summary(absl::string_view description) {
  absl::string_view line = absl::StripAsciiWhitespace(description);
  line = line.substr(0, line.find('\n'));
  line = absl::StripAsciiWhitespace(line);
  if (line.size() > 160) {
    size_t cut = 157;
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80)
      --cut;
    return absl::StrCat(line.substr(0, cut), "...");
  }
  return std::string(line);
}

ToolAccess AccessOf(const forge::exec::v1::McpServerConfig& server,
                    absl::string_view tool) {
  for (const auto& policy : server.tools()) {
    if (policy.name() == tool && policy.access() != 0) return policy.access();
  }
  return server.default_access() != 0
             ? server.default_access()
             : forge::exec::v1::TOOL_ACCESS_DESTRUCTIVE;
}

SessionFactory FactoryFor(const forge::exec::v1::McpServerConfig& server) {
  if (!server.url().empty()) {
    std::map<std::string, std::string> headers(server.headers().begin(),
                                               server.headers().end());
    return [url = server.url(), headers, ca = server.ca_path()] {
      return StartHttpSession(url, headers, ca);
    };
  }
  StdioCommand command;
  command.command = server.command();
  command.args.assign(server.args().begin(), server.args().end());
  bool has_path = false;
  std::vector<std::pair<std::string, std::string>> env(server.env().begin(),
                                                       server.env().end());
  std::sort(env.begin(), env.end());
  for (const auto& [name, value] : env) {
    has_path = has_path || name == "PATH";
    command.env.push_back(absl::StrCat(name, "=", value));
  }
  if (!has_path) command.env.push_back("PATH=/usr/local/bin:/usr/bin:/bin");
  return [command] { return StartStdioSession(command); };
}

}  // namespace

const char* AccessName(ToolAccess access) {
  switch (access) {
    case forge::exec::v1::TOOL_ACCESS_READ:
      return "read";
    case forge::exec::v1::TOOL_ACCESS_WRITE:
      return "write";
    default:
      return "destructive";
  }
}

const ToolDefinition* ToolCatalog::Find(absl::string_view name) const {
  auto it = std::lower_bound(
      tools.begin(), tools.end(), name,
      [](const ToolDefinition& t, absl::string_view n) { return t.name < n; });
  return it != tools.end() && it->name == name ? &*it : nullptr;
}

bool TenantTools::Allows(const ToolDefinition& tool) const {
  for (const std::string& entry : allow) {
    if (entry == tool.server || entry == absl::StrCat(tool.server, ".*") ||
        entry == tool.name)
      return true;
  }
  return false;
}

absl::Status ToolRegistry::Validate(const McpConfig& config) {
  return ValidateMcpConfig(config);
}

ToolRegistry::ToolRegistry(const McpConfig& config,
                           std::shared_ptr<spdlog::logger> log)
    : config_(config), log_(std::move(log)) {
  const absl::Duration connect =
      FromProto(config_.connect_timeout(), kDefaultConnectTimeout);
  for (const auto& server : config_.servers()) {
    const int size = static_cast<int>(
        server.pool_size() > 0 ? server.pool_size()
                               : (config_.pool_size() > 0 ? config_.pool_size()
                                                          : kDefaultPoolSize));
    pools_[server.name()] = std::make_unique<McpServerPool>(
        server.name(), FactoryFor(server), size, connect);
  }
  for (const auto& tenant : config_.tenants()) {
    TenantTools tools;
    tools.allow.assign(tenant.allow().begin(), tenant.allow().end());
    tools.destructive = tenant.destructive();
    if (tools.destructive ==
        forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_UNSPECIFIED) {
      tools.destructive =
          tenant.allow_destructive()
              ? forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_ALLOW
              : forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_REQUIRE_APPROVAL;
    }
    tools.max_calls_per_execution = tenant.max_calls_per_execution();
    tenants_[tenant.tenant()] = std::move(tools);
  }
  catalog_ = std::make_shared<ToolCatalog>();
}

absl::StatusOr<std::unique_ptr<ToolRegistry>> ToolRegistry::Create(
    const McpConfig& config, std::shared_ptr<spdlog::logger> log) {
  if (absl::Status valid = Validate(config); !valid.ok()) return valid;
  std::unique_ptr<ToolRegistry> registry(new ToolRegistry(config, log));
  absl::MutexLock lock(&registry->mutex_);
  registry->RefreshLocked();
  return registry;
}

void ToolRegistry::RefreshLocked() {
  if (listed_.size() == pools_.size()) return;
  const absl::Time now = absl::Now();
  if (now - last_attempt_ < kRelistInterval) return;
  last_attempt_ = now;
  bool changed = false;
  for (const auto& server : config_.servers()) {
    if (listed_.count(server.name())) continue;
    McpServerPool& pool = *pools_[server.name()];
    absl::StatusOr<std::vector<ListedTool>> tools = pool.ListTools();
    if (!tools.ok()) {
      log_->error("event=mcp_list_failed server={} error=\"{}\"", server.name(),
                  tools.status().message());
      continue;
    }
    if (absl::Status warm = pool.Warm(); !warm.ok()) {
      log_->warn("event=mcp_warm_failed server={} error=\"{}\"", server.name(),
                 warm.message());
    }
    std::vector<ToolDefinition>& defs = listed_[server.name()];
    std::set<std::string> identifiers;
    for (ListedTool& tool : *tools) {
      ToolDefinition def;
      def.server = server.name();
      def.tool = tool.name;
      def.name = absl::StrCat(server.name(), ".", tool.name);
      def.identifier = Identifier(tool.name);
      while (!identifiers.insert(def.identifier).second)
        def.identifier.push_back('_');
      def.description = std::move(tool.description);
      def.summary = Summary(def.description);
      def.input_schema = std::move(tool.input_schema);
      def.output_schema = std::move(tool.output_schema);
      def.access = AccessOf(server, tool.name);
      defs.push_back(std::move(def));
    }
    log_->info("event=mcp_listed server={} tools={}", server.name(),
               defs.size());
    changed = true;
  }
  if (!changed) return;
  auto catalog = std::make_shared<ToolCatalog>();
  for (const auto& [server, defs] : listed_)
    catalog->tools.insert(catalog->tools.end(), defs.begin(), defs.end());
  std::sort(catalog->tools.begin(), catalog->tools.end(),
            [](const ToolDefinition& a, const ToolDefinition& b) {
              return a.name < b.name;
            });
  catalog_ = std::move(catalog);
}

std::shared_ptr<const ToolCatalog> ToolRegistry::catalog() {
  absl::MutexLock lock(&mutex_);
  RefreshLocked();
  return catalog_;
}

const TenantTools* ToolRegistry::tenant(absl::string_view tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? nullptr : &it->second;
}

std::vector<const ToolDefinition*> ToolRegistry::Allowed(
    const ToolCatalog& catalog, absl::string_view tenant_name,
    absl::string_view query) const {
  std::vector<const ToolDefinition*> out;
  const TenantTools* policy = tenant(tenant_name);
  if (policy == nullptr) return out;
  const std::string needle = absl::AsciiStrToLower(query);
  for (const ToolDefinition& tool : catalog.tools) {
    if (!policy->Allows(tool)) continue;
    if (!needle.empty() &&
        !absl::StrContains(absl::AsciiStrToLower(tool.name), needle) &&
        !absl::StrContains(absl::AsciiStrToLower(tool.summary), needle))
      continue;
    out.push_back(&tool);
  }
  return out;
}

absl::StatusOr<std::vector<const ToolDefinition*>> ToolRegistry::Select(
    const ToolCatalog& catalog, absl::string_view tenant_name,
    const std::vector<std::string>& requested) const {
  std::vector<const ToolDefinition*> allowed =
      Allowed(catalog, tenant_name, "");
  std::vector<const ToolDefinition*> selected;
  for (size_t i = 0; i < requested.size(); ++i) {
    const std::string& entry = requested[i];
    bool matched = false;
    for (const ToolDefinition* tool : allowed) {
      if (entry == tool->server || entry == absl::StrCat(tool->server, ".*") ||
          entry == tool->name) {
        matched = true;
        if (std::find(selected.begin(), selected.end(), tool) == selected.end())
          selected.push_back(tool);
      }
    }
    if (!matched) {
      return absl::InvalidArgumentError(
          absl::StrCat("tools[", i, "]: \"", entry,
                       "\" is no tool or server this tenant may use"));
    }
  }
  std::sort(selected.begin(), selected.end(),
            [](const ToolDefinition* a, const ToolDefinition* b) {
              return a->name < b->name;
            });
  return selected;
}

McpServerPool* ToolRegistry::pool(absl::string_view server) const {
  auto it = pools_.find(server);
  return it == pools_.end() ? nullptr : it->second.get();
}

absl::Duration ToolRegistry::CallTimeout(absl::string_view server) const {
  const absl::Duration fallback =
      FromProto(config_.call_timeout(), kDefaultCallTimeout);
  for (const auto& s : config_.servers()) {
    if (s.name() == server) return FromProto(s.call_timeout(), fallback);
  }
  return fallback;
}

uint32_t ToolRegistry::MaxCalls(absl::string_view tenant_name) const {
  const TenantTools* policy = tenant(tenant_name);
  if (policy != nullptr && policy->max_calls_per_execution > 0)
    return policy->max_calls_per_execution;
  return config_.max_calls_per_execution() > 0
             ? config_.max_calls_per_execution()
             : kDefaultMaxCalls;
}

uint64_t ToolRegistry::max_result_bytes() const {
  return config_.max_result_bytes() > 0 ? config_.max_result_bytes()
                                        : kDefaultMaxResultBytes;
}

uint64_t ToolRegistry::max_argument_bytes() const {
  return config_.max_argument_bytes() > 0 ? config_.max_argument_bytes()
                                          : kDefaultMaxArgumentBytes;
}

std::string ToolRegistry::tools_dir() const {
  return config_.tools_dir().empty() ? kDefaultToolsDir : config_.tools_dir();
}

}  // namespace forge::mcp
