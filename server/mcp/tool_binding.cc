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

void CallerScope::End() {
  std::map<uint64_t, absl::AnyInvocable<void() &&>> hooks;
  {
    absl::MutexLock lock(&end_mutex_);
    if (ended_) return;
    ended_ = true;
    hooks.swap(end_hooks_);
  }
  for (auto& [handle, hook] : hooks) std::move(hook)();
}

bool CallerScope::ended() const {
  absl::MutexLock lock(&end_mutex_);
  return ended_;
}

uint64_t CallerScope::AddEndHook(absl::AnyInvocable<void() &&> hook) {
  {
    absl::MutexLock lock(&end_mutex_);
    if (!ended_) {
      const uint64_t handle = next_hook_++;
      end_hooks_.emplace(handle, std::move(hook));
      return handle;
    }
  }
  std::move(hook)();
  return 0;
}

void CallerScope::RemoveEndHook(uint64_t handle) {
  absl::MutexLock lock(&end_mutex_);
  end_hooks_.erase(handle);
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
                         ToolBindingHooks hooks)
    : registry_(registry), audit_(audit), hooks_(hooks) {}

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
  CallFacts facts;
  ToolReply reply = Dispatch(caller, request, facts);
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
  auto observe = [&] {
    if (hooks_.observer == nullptr) return;
    const bool known = !facts.server.empty();
    hooks_.observer->ToolCallFinished(
        known ? facts.server : "unknown", known ? facts.tool_name : "unknown",
        reply.ok ? "ok" : reply.code, took - facts.approval_wait);
  };
  if (audit_ == nullptr) {
    observe();
    return reply;
  }
  forge::exec::v1::AuditRecord record;
  record.set_type(audit::kToolCall);
  record.set_tenant(caller.tenant);
  record.set_principal(caller.principal);
  record.set_execution_id(caller.execution_id);
  record.set_session_id(caller.session_id);
  auto& details = *record.mutable_details();
  details["tool"] = facts.tool_name;
  details["access"] = facts.access;
  details["arguments_sha256"] = facts.arguments_sha256;
  details["arguments_bytes"] = absl::StrCat(facts.argument_bytes);
  details["result_bytes"] = absl::StrCat(result_bytes);
  details["duration_us"] = absl::StrCat(absl::ToInt64Microseconds(took));
  details["outcome"] = reply.ok ? "ok" : reply.code;
  details["call"] = absl::StrCat(caller.used.load());
  if (!reply.ok) details["message"] = Clip(reply.message);
  if (!facts.approval_id.empty()) {
    details["approval_id"] = facts.approval_id;
    details["approval_wait_us"] =
        absl::StrCat(absl::ToInt64Microseconds(facts.approval_wait));
  }
  // The program learns the result only once the call is on the record.
  absl::StatusOr<forge::exec::v1::AuditRecord> committed =
      audit_->AppendAndWait(std::move(record));
  if (!committed.ok()) {
    reply = Error("AUDIT_UNAVAILABLE",
                  absl::StrCat("the call could not be recorded: ",
                               committed.status().message()));
    observe();
    return reply;
  }
  observe();
  if (caller.on_record) caller.on_record(*committed);
  return reply;
}

ToolReply ToolBinding::Dispatch(CallerScope& caller, absl::string_view request,
                                CallFacts& facts) {
  json message = json::parse(request.begin(), request.end(), nullptr,
                             /*allow_exceptions=*/false);
  if (!message.is_object() || !message.contains("tool") ||
      !message["tool"].is_string()) {
    return Error("BAD_REQUEST",
                 "a request is one JSON object {\"tool\": \"<server>.<tool>\", "
                 "\"arguments\": {...}} per line");
  }
  facts.tool_name = message["tool"].get<std::string>();
  json arguments = message.value("arguments", json::object());
  if (arguments.is_null()) arguments = json::object();
  const std::string canonical =
      arguments.dump(-1, ' ', false, json::error_handler_t::replace);
  facts.arguments_sha256 = Sha256Hex(canonical);
  facts.argument_bytes = canonical.size();

  const uint32_t number = caller.used.fetch_add(1) + 1;
  if (number > caller.budget) {
    return Error(
        "BUDGET_EXHAUSTED",
        absl::StrCat("this execution may make ", caller.budget, " tool calls"));
  }
  std::shared_ptr<const ToolCatalog> catalog = registry_.catalog();
  const ToolDefinition* tool = catalog->Find(facts.tool_name);
  if (tool == nullptr) {
    return Error("UNKNOWN_TOOL",
                 absl::StrCat("no tool named \"", facts.tool_name,
                              "\" (see /tools/index.json)"));
  }
  facts.server = tool->server;
  facts.access = AccessName(tool->access);
  const TenantTools* tenant = registry_.tenant(caller.tenant);
  if (tenant == nullptr || !tenant->Allows(*tool) ||
      !caller.exposed.count(tool->name)) {
    return Error(
        "NOT_ALLOWED",
        absl::StrCat(tool->name, " is not among the tools of this execution"));
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
  // Only a well-formed call reaches a person.
  if (std::optional<ToolReply> refused =
          CheckDestructive(caller, *tool, *tenant, arguments, facts)) {
    return *std::move(refused);
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

std::optional<ToolReply> ToolBinding::CheckDestructive(
    CallerScope& caller, const ToolDefinition& tool, const TenantTools& tenant,
    const json& arguments, CallFacts& facts) {
  if (tool.access == forge::exec::v1::TOOL_ACCESS_READ ||
      tool.access == forge::exec::v1::TOOL_ACCESS_WRITE)
    return std::nullopt;
  switch (tenant.destructive) {
    case forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_ALLOW:
      return std::nullopt;
    case forge::exec::v1::DESTRUCTIVE_TOOL_POLICY_REQUIRE_APPROVAL:
      break;
    default:
      return Error("DESTRUCTIVE_REFUSED",
                   absl::StrCat(tool.name,
                                " is classified destructive and this tenant "
                                "may not call destructive tools"));
  }
  if (hooks_.approver == nullptr) {
    return Error("DESTRUCTIVE_REFUSED",
                 absl::StrCat(tool.name,
                              " is classified destructive and needs a "
                              "person's approval, which this server cannot "
                              "ask for"));
  }
  ApprovalAnswer answer = hooks_.approver->Ask(
      ApprovalAsk{caller, tool, arguments, facts.arguments_sha256});
  facts.approval_id = answer.approval_id;
  facts.approval_wait = answer.waited;
  using Decision = ApprovalAnswer::Decision;
  switch (answer.decision) {
    case Decision::kApproved:
      return std::nullopt;
    case Decision::kDenied:
      return Error("APPROVAL_DENIED", std::move(answer.message));
    case Decision::kExpired:
      return Error("APPROVAL_EXPIRED", std::move(answer.message));
    case Decision::kPending:
      return Error("APPROVAL_PENDING", std::move(answer.message));
    case Decision::kUnavailable:
      break;
  }
  return Error("AUDIT_UNAVAILABLE", std::move(answer.message));
}

}  // namespace forge::mcp
