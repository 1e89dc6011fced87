#include "cars/script_walker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace forge::cars {
namespace {}  // namespace

ScriptWalker::ScriptWalker(Language language, absl::string_view code,
                           const AnalysisContext& context, Evidence* out)
    : language_(language),
      code_(code),
      context_(context),
      out_(out),
      lexed_(Lex(language, code, context.lex_limits)),
      view_(lexed_.tokens),
      classifier_(*context.knowledge, language),
      eval_(view_, language, bindings_, classifier_, context.budget) {
  // About one call per sixteen tokens: sized so the memos do not rehash as
  // the walk fills them.
  const size_t calls = static_cast<size_t>(view_.size()) / 16;
  classifier_.Reserve(calls);
  sinks_.reserve(calls);
  call_at_open_.reserve(calls);
  calls_.reserve(calls * 2);
}

Location ScriptWalker::Where(int token) const {
  if (token < 0 || token >= view_.size()) return context_.Place(0, 1, 1);
  const Token& t = view_[token];
  return context_.Place(t.begin, t.line, t.column);
}

void ScriptWalker::AddFact(FactKind kind, absl::string_view text, int token,
                           uint32_t flags, std::vector<std::string> context) {
  AddFactAt(kind, text, Where(token), flags, std::move(context));
}

void ScriptWalker::AddFactAt(FactKind kind, absl::string_view text,
                             const Location& where, uint32_t flags,
                             std::vector<std::string> context) {
  if (!out_->Wants(language_, kind, text)) return;
  Fact fact;
  fact.kind = kind;
  fact.language = language_;
  fact.text = std::string(text);
  fact.where = where;
  fact.flags = flags;
  fact.context = std::move(context);
  fact.payload_depth = context_.depth;
  out_->facts.push_back(std::move(fact));
}

void ScriptWalker::Detect(absl::string_view analysis, int token,
                          std::string detail) {
  out_->detections.push_back({std::string(analysis), language_, Where(token),
                              std::move(detail), context_.depth});
}

void ScriptWalker::Bind(absl::string_view name, FoldedValue value, int token) {
  if (value.IsString() && !value.str.empty() &&
      (value.flags & (kFoldObfuscated | kFoldDecoded)) != 0) {
    AddFact(FactKind::kString, value.str, token, value.flags);
  }
  bindings_[name] = std::move(value);
}

void ScriptWalker::Import(const std::string& module, int token,
                          uint32_t flags) {
  if (module.empty()) return;
  imported_.insert(module);
  AddFact(FactKind::kImport, module, token, flags);
}

int ScriptWalker::StatementEnd(int i) const {
  while (i < view_.size()) {
    const Token& t = view_[i];
    if (t.kind == TokenKind::kNewline || t.IsOp(";")) return i;
    const int partner = view_.Partner(i);
    i = partner > i ? partner + 1 : i + 1;
  }
  return view_.size();
}

bool ScriptWalker::ChainStart(int i) const {
  const Token& t = view_[i];
  const bool after_dot =
      i > 0 && (view_[i - 1].IsOp(".") || view_[i - 1].IsOp("?."));
  if (t.kind == TokenKind::kIdentifier) {
    // Names being defined are not uses: def f(, class C(, function g(.
    if (i > 0 && view_[i - 1].kind == TokenKind::kKeyword) {
      const absl::string_view k = view_[i - 1].value;
      if (k == "def" || k == "class" || k == "function" || k == "as")
        return false;
    }
    return !after_dot;
  }
  if (t.kind == TokenKind::kKeyword) {
    return !after_dot && (t.value == "this" || t.value == "super" ||
                          (t.value == "import" && view_.IsOp(i + 1, "(")));
  }
  if (t.kind == TokenKind::kString) return view_.IsOp(i + 1, ".");
  if (t.IsOp("(")) {
    const int close = view_.Partner(i);
    return view_.IsOp(close + 1, "(") || view_.IsOp(close + 1, ".");
  }
  return false;
}

void ScriptWalker::Run() {
  for (const Token& t : lexed_.tokens) {
    if (t.kind == TokenKind::kComment) {
      AddFactAt(FactKind::kComment, t.value,
                context_.Place(t.begin, t.line, t.column), 0, {});
    }
  }
  if (lexed_.truncated) Detect("input_too_complex", view_.size() - 1, "");
  IdentifierChecks();
  OpenBrackets stack;
  bool at_statement = true;
  for (int i = 0; i < view_.size(); ++i) {
    const Token& t = view_[i];
    if (t.kind == TokenKind::kNewline || t.IsOp(";")) {
      at_statement = true;
      continue;
    }
    if (at_statement) {
      at_statement = false;
      const int next = Statement(i);
      if (next > i) {
        i = next - 1;
        continue;
      }
    }
    WalkAt(i, &stack);
  }
  FindResourceAbuse();
}

void ScriptWalker::IdentifierChecks() {
  bool disguised = false;
  absl::flat_hash_set<std::string> generated;
  for (int i = 0; i < view_.size(); ++i) {
    const Token& t = view_[i];
    if (t.kind != TokenKind::kIdentifier) continue;
    if (!disguised && t.Has(kTokenDisguised)) {
      disguised = true;
      Detect(
          "disguised_identifier", i,
          absl::StrCat("\"", t.value,
                       "\" is spelled with escapes or look-alike characters"));
    }
    // _0x1f3a-style names are what JavaScript obfuscators emit.
    if (t.value.size() >= 6 && absl::StartsWith(t.value, "_0x") &&
        t.value.find_first_not_of("0123456789abcdefABCDEF", 3) ==
            std::string::npos &&
        generated.emplace(t.value).second && generated.size() == 2) {
      Detect("obfuscated_identifiers", i,
             absl::StrCat("machine-generated identifiers such as ", t.value));
    }
  }
}

void ScriptWalker::AddEnclosingCalls(const OpenBrackets& stack,
                                     std::vector<std::string>* context) const {
  for (auto it = stack.rbegin();
       it != stack.rend() && context->size() < kMaxContext; ++it) {
    if (it->second >= 0) context->push_back(calls_[it->second].chain);
  }
}

void ScriptWalker::WalkAt(int i, OpenBrackets* stack) {
  const Token& t = view_[i];
  while (!stack->empty() && stack->back().first < i) stack->pop_back();
  if (t.kind == TokenKind::kString &&
      out_->Wants(language_, FactKind::kString, t.value)) {
    std::vector<std::string> context;
    AddEnclosingCalls(*stack, &context);
    uint32_t flags = t.Has(kTokenDisguised) ? kFoldObfuscated : 0;
    AddFact(FactKind::kString, t.value, i, flags, std::move(context));
  }
  if (ChainStart(i) && !LoneName(i)) {
    ChainWalk& walk = walk_;  // reused: its lists keep their capacity
    walk.Clear();
    eval_.WalkChain(i, &walk);
    for (const ImportSite& import : walk.imports) {
      if (import.module.empty()) {
        Detect("dynamic_import", import.token,
               "module name computed at run time");
      } else {
        Import(import.module, import.token, import.flags);
      }
    }
    for (const ReceiverSite& receiver : walk.receivers) {
      AddFact(FactKind::kString, receiver.value, receiver.token, receiver.flags,
              {receiver.method});
    }
    for (ReferenceSite& ref : walk.references) {
      if (!ReportedReference(ref.chain)) continue;
      AddFact(FactKind::kReference, ref.chain, ref.token, ref.flags);
    }
    for (const CallSite& call : walk.calls) {
      // OnCall appends the call to calls_.
      call_at_open_[call.open] = static_cast<int>(calls_.size());
      OnCall(call, *stack);
    }
  }
  if (t.kind == TokenKind::kOperator && t.value.size() == 1 &&
      (t.value[0] == '(' || t.value[0] == '[' || t.value[0] == '{')) {
    auto it = call_at_open_.find(i);
    stack->emplace_back(view_.Partner(i),
                        it == call_at_open_.end() ? -1 : it->second);
  }
}

void ScriptWalker::OnCall(const CallSite& call, const OpenBrackets& stack) {
  // Reflect.construct(F, args) / Reflect.apply(F, self, args) call F.
  if (call.chain == "Reflect.construct" || call.chain == "Reflect.apply") {
    const std::vector<Argument> args = eval_.Arguments(call.open);
    if (!args.empty()) {
      const FoldedValue target = eval_.Fold(args[0].begin, args[0].end);
      if (target.IsAlias()) {
        AddFact(FactKind::kCall,
                ExpressionEvaluator::NormalizeChain(target.str),
                call.name_token, target.flags | kFoldComputedName);
      }
    }
  }
  calls_.push_back(call);
  AddFact(FactKind::kCall, call.chain, call.name_token, call.flags);
  if (call.chain.find('.') == std::string::npos &&
      !bindings_.contains(call.chain)) {
    for (const std::string& module : star_modules_) {
      AddFact(FactKind::kCall, absl::StrCat(module, ".", call.chain),
              call.name_token, call.flags);
    }
  }
  if (absl::EndsWith(call.chain, "[?]")) {
    const std::string base = call.chain.substr(0, call.chain.size() - 3);
    if (base.empty() || imported_.contains(base) || base == "builtins" ||
        base == "__builtins__" || base == "globals()" || base == "globalThis" ||
        base == "window" || base == "global" || base == "process" ||
        base == "this") {
      Detect(
          "computed_call", call.name_token,
          absl::StrCat("calls a member of ", base.empty() ? "a module" : base,
                       " whose name is computed at run time"));
    }
  }
  // Folded arguments: strings that are not plain literals.
  std::vector<std::string> context;  // filled when first needed
  eval_.Arguments(call.open, &call_args_);
  for (const Argument& arg : call_args_) {
    if (!WorthFolding(arg)) continue;
    const FoldedValue v = eval_.Fold(arg.begin, arg.end);
    if (v.IsString() && !v.str.empty() &&
        (v.flags & (kFoldObfuscated | kFoldDecoded | kFoldFromVariable)) != 0 &&
        out_->Wants(language_, FactKind::kString, v.str)) {
      if (context.empty()) {
        context.push_back(call.chain);
        AddEnclosingCalls(stack, &context);
      }
      AddFact(FactKind::kString, v.str, arg.begin, v.flags, context);
    }
  }
  WriteModeOpen(call);
  auto known = sinks_.find(call.chain);
  if (known == sinks_.end()) {
    known = sinks_
                .emplace(call.chain,
                         context_.knowledge->SinkFor(language_, call.chain))
                .first;
  }
  const SinkInfo sink = known->second;
  if (sink.kind != SinkKind::kNone) OnSink(call, sink);
}

bool ScriptWalker::LoneName(int i) const {
  // A bare identifier with no attribute, call or subscript after it, not
  // bound to anything and not a namespace object, yields no fact: skip the
  // chain walk (most identifiers in ordinary code).
  const Token& t = view_[i];
  if (t.kind != TokenKind::kIdentifier) return false;
  if (i + 1 < view_.size()) {
    const Token& next = view_[i + 1];
    if (next.kind == TokenKind::kOperator &&
        (next.IsOp(".") || next.IsOp("(") || next.IsOp("[") ||
         next.IsOp("?.") || next.IsOp("=>") || next.IsOp("`"))) {
      return false;
    }
    if (next.kind == TokenKind::kString) return false;  // tagged templates
  }
  return !ReportedReference(t.value);
}

bool ScriptWalker::ReportedReference(absl::string_view chain) {
  return ExpressionEvaluator::ReportedReference(chain);
}

}  // namespace forge::cars
