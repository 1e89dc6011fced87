#include "server/mcp/tool_binding.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/crypto.h"
#include "server/audit/record_types.h"
#include "server/mcp/json_schema.h"

namespace forge::mcp {
namespace {

using ::nlohmann::json;

constexpr size_t kMaxErrorText = 4096;

ToolReply Error(std::string code, std::string message) {
  ToolReply reply;
  reply.code = std::move(code);
  reply.message = std::move(message);
  return reply;
}

// The text items of a CallToolResult's content, joined.
std::string TextOf(const json& result) {
  std::vector<std::string> texts;
  if (auto content = result.find("content");
      content != result.end() && content->is_array()) {
    for (const json& item : *content) {
      if (item.is_object() && item.value("type", "") == "text" &&
          item.contains("text") && item["text"].is_string())
        texts.push_back(item["text"].get<std::string>());
    }
  }
  return absl::StrJoin(texts, "\n");
}

// What the program gets: structuredContent when the server gives it; else
// the text when every content item is text; else the content array.
json Shape(const json& result) {
  if (auto structured = result.find("structuredContent");
      structured != result.end() && !structured->is_null())
    return *structured;
  auto content = result.find("content");
  if (content == result.end() || !content->is_array()) return nullptr;
  for (const json& item : *content) {
    if (!item.is_object() || item.value("type", "") != "text") return *content;
  }
  return TextOf(result);
}

std::string Clip(std::string text) {
  if (text.size() > kMaxErrorText) {
    text.resize(kMaxErrorText);
    absl::StrAppend(&text, "...");
  }
  return text;
}

}  // namespace

absl::Status ConfigDestructiveToolGate::Check(const CallerScope&,
                                              const ToolDefinition& tool,
                                              const TenantTools& tenant) {
  if (tenant.allow_destructive) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat(
      tool.name,
      " is classified destructive and this tenant may not call destructive "
      "tools"));
}

std::string ToolReply::Serialize() const {
  json out;
  if (ok) {
    out = {{"ok", true}, {"result", result}};
  } else {
    out = {{"ok", false}, {"error", {{"code", code}, {"message", message}}}};
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

ToolBinding::ToolBinding(ToolRegistry& registry, audit::AuditLog* audit,
                         DestructiveToolGate& gate)
    : registry_(registry), audit_(audit), gate_(gate) {}

ToolBinding::~ToolBinding() {
  absl::MutexLock lock(&mutex_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_) {
    return in_flight_ == 0;
  };
  mutex_.Await(absl::Condition(&idle));
}

ToolReply ToolBinding::Call(CallerScope& caller, absl::string_view request) {
  {
    absl::MutexLock lock(&mutex_);
    ++in_flight_;
  }
  struct Done {
    ToolBinding* self;
    ~Done() {
      absl::MutexLock lock(&self->mutex_);
      --self->in_flight_;
    }
  } done{this};
  const absl::Time start = absl::Now();
  std::string tool_name, access, arguments_sha256;
  size_t argument_bytes = 0;
  ToolReply reply = Dispatch(caller, request, &tool_name, &access,
                             &arguments_sha256, &argument_bytes);
  const absl::Duration took = absl::Now() - start;
  size_t result_bytes = 0;
  if (reply.ok)
    result_bytes =
        reply.result.dump(-1, ' ', false, json::error_handler_t::replace)
            .size();
  if (reply.ok && result_bytes > registry_.max_result_bytes()) {
    reply =
        Error("RESULT_TOO_LARGE", absl::StrCat("the result is ", result_bytes,
                                               " bytes; the limit is ",
                                               registry_.max_result_bytes()));
  }
  if (audit_ == nullptr) return reply;
  forge::exec::v1::AuditRecord record;
  record.set_type(audit::kToolCall);
  record.set_tenant(caller.tenant);
  record.set_principal(caller.principal);
  record.set_execution_id(caller.execution_id);
  record.set_session_id(caller.session_id);
  auto& details = *record.mutable_details();
  details["tool"] = tool_name;
  details["access"] = access;
  details["arguments_sha256"] = arguments_sha256;
  details["arguments_bytes"] = absl::StrCat(argument_bytes);
  details["result_bytes"] = absl::StrCat(result_bytes);
  details["duration_us"] = absl::StrCat(absl::ToInt64Microseconds(took));
  details["outcome"] = reply.ok ? "ok" : reply.code;
  details["call"] = absl::StrCat(caller.used.load());
  if (!reply.ok) details["message"] = Clip(reply.message);
  // The program learns the result only once the call is on the record.
  absl::StatusOr<forge::exec::v1::AuditRecord> committed =
      audit_->AppendAndWait(std::move(record));
  if (!committed.ok()) {
    return Error("AUDIT_UNAVAILABLE",
                 absl::StrCat("the call could not be recorded: ",
                              committed.status().message()));
  }
  if (caller.on_record) caller.on_record(*committed);
  return reply;
}

ToolReply ToolBinding::Dispatch(CallerScope& caller, absl::string_view request,
                                std::string* tool_name, std::string* access,
                                std::string* arguments_sha256,
                                size_t* argument_bytes) {
  json message = json::parse(request.begin(), request.end(), nullptr,
                             /*allow_exceptions=*/false);
  if (!message.is_object() || !message.contains("tool") ||
      !message["tool"].is_string()) {
    return Error("BAD_REQUEST",
                 "a request is one JSON object {\"tool\": \"<server>.<tool>\", "
                 "\"arguments\": {...}} per line");
  }
  *tool_name = message["tool"].get<std::string>();
  json arguments = message.value("arguments", json::object());
  if (arguments.is_null()) arguments = json::object();
  const std::string canonical =
      arguments.dump(-1, ' ', false, json::error_handler_t::replace);
  *arguments_sha256 = Sha256Hex(canonical);
  *argument_bytes = canonical.size();

  const uint32_t number = caller.used.fetch_add(1) + 1;
  if (number > caller.budget) {
    return Error(
        "BUDGET_EXHAUSTED",
        absl::StrCat("this execution may make ", caller.budget, " tool calls"));
  }
  std::shared_ptr<const ToolCatalog> catalog = registry_.catalog();
  const ToolDefinition* tool = catalog->Find(*tool_name);
  if (tool == nullptr) {
    return Error("UNKNOWN_TOOL", absl::StrCat("no tool named \"", *tool_name,
                                              "\" (see /tools/index.json)"));
  }
  *access = AccessName(tool->access);
  const TenantTools* tenant = registry_.tenant(caller.tenant);
  if (tenant == nullptr || !tenant->Allows(*tool) ||
      !caller.exposed.count(tool->name)) {
    return Error(
        "NOT_ALLOWED",
        absl::StrCat(tool->name, " is not among the tools of this execution"));
  }
  if (tool->access != forge::exec::v1::TOOL_ACCESS_READ &&
      tool->access != forge::exec::v1::TOOL_ACCESS_WRITE) {
    if (absl::Status allowed = gate_.Check(caller, *tool, *tenant);
        !allowed.ok()) {
      return Error("DESTRUCTIVE_REFUSED", std::string(allowed.message()));
    }
  }
  if (canonical.size() > registry_.max_argument_bytes()) {
    return Error(
        "ARGUMENTS_TOO_LARGE",
        absl::StrCat("arguments are ", canonical.size(),
                     " bytes; the limit is ", registry_.max_argument_bytes()));
  }
  if (!arguments.is_object()) {
    return Error("SCHEMA_VIOLATION", "arguments must be a JSON object");
  }
  if (absl::Status valid = ValidateAgainstSchema(tool->input_schema, arguments);
      !valid.ok()) {
    return Error("SCHEMA_VIOLATION",
                 absl::StrCat(tool->name, " arguments ", valid.message()));
  }
  McpServerPool* pool = registry_.pool(tool->server);
  const absl::Duration timeout = registry_.CallTimeout(tool->server);
  absl::StatusOr<json> result = pool->CallTool(tool->tool, arguments, timeout);
  if (!result.ok()) {
    if (absl::IsDeadlineExceeded(result.status())) {
      return Error("TIMEOUT",
                   absl::StrCat(tool->name, " did not answer within ",
                                absl::FormatDuration(timeout)));
    }
    if (absl::IsUnavailable(result.status())) {
      return Error("SERVER_UNAVAILABLE",
                   absl::StrCat(tool->name, ": ", result.status().message()));
    }
    return Error("TOOL_ERROR", Clip(std::string(result.status().message())));
  }
  if (result->value("isError", false)) {
    return Error("TOOL_ERROR", Clip(TextOf(*result)));
  }
  ToolReply reply;
  reply.ok = true;
  reply.result = Shape(*result);
  return reply;
}

}  // namespace forge::mcp
