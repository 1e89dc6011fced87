#include "cars/script_walker.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace forge::cars {
namespace {

constexpr size_t kMaxContext = 3;
constexpr double kHugeAllocation = 1e9;

std::string Describe(uint32_t flags) {
  if (flags & kFoldDownloaded) return "code downloaded from the network";
  if (flags & kFoldOpaqueDecoder) return "a decompressed or unpickled value";
  if (flags & kFoldDecoded) return "a decoded value (base64, hex, rot13, ...)";
  if (flags & kFoldObfuscated) return "a string assembled from pieces";
  return "a computed value";
}

// Quotes an argv item for a shell command line when it needs it.
std::string ShellQuote(const std::string& word) {
  if (!word.empty() &&
      word.find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
          "0123456789_./:=@%+,-{}?") == std::string::npos) {
    return word;
  }
  std::string out = "'";
  for (char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

// A payload as text: a string as is; a list (argv) as a shell command line.
std::string ValueText(const FoldedValue& v) {
  if (v.IsString()) return v.str;
  if (!v.IsList()) return "";
  std::vector<std::string> parts;
  for (const FoldedValue& item : v.items) {
    if (item.IsString()) {
      parts.push_back(ShellQuote(item.str));
    } else if (item.IsNumber()) {
      parts.push_back(absl::StrFormat("%g", item.number));
    } else {
      parts.push_back(item.IsAlias() ? absl::StrCat("{", item.str, "}")
                                     : "{?}");
    }
  }
  return absl::StrJoin(parts, " ");
}

}  // namespace

ScriptWalker::ScriptWalker(Language language, absl::string_view code,
                           const AnalysisContext& context, Evidence* out)
    : language_(language),
      code_(code),
      context_(context),
      out_(out),
      lexed_(Lex(language, code, context.lex_limits)),
      view_(lexed_.tokens),
      classifier_(*context.knowledge, language),
      eval_(view_, language, bindings_, classifier_, context.budget) {}

Location ScriptWalker::Where(int token) const {
  if (token < 0 || token >= view_.size()) return context_.Place(0, 1, 1);
  const Token& t = view_[token];
  return context_.Place(t.begin, t.line, t.column);
}

void ScriptWalker::AddFact(FactKind kind, std::string text, int token,
                           uint32_t flags, std::vector<std::string> context) {
  Fact fact;
  fact.kind = kind;
  fact.language = language_;
  fact.text = std::move(text);
  fact.where = Where(token);
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

void ScriptWalker::Bind(const std::string& name, FoldedValue value, int token) {
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
      const std::string& k = view_[i - 1].value;
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
      AddFact(FactKind::kComment, t.value, -1, 0);
      out_->facts.back().where = context_.Place(t.begin, t.line, t.column);
    }
  }
  if (lexed_.truncated) Detect("input_too_complex", view_.size() - 1, "");
  IdentifierChecks();
  // Open brackets: (closing index, chain when the bracket opens a call).
  std::vector<std::pair<int, std::string>> stack;
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
    if (t.value.size() >= 6 && t.value.compare(0, 3, "_0x") == 0 &&
        t.value.find_first_not_of("0123456789abcdefABCDEF", 3) ==
            std::string::npos &&
        generated.insert(t.value).second && generated.size() == 2) {
      Detect("obfuscated_identifiers", i,
             "machine-generated identifiers such as " + t.value);
    }
  }
}

void ScriptWalker::WalkAt(int i,
                          std::vector<std::pair<int, std::string>>* stack) {
  const Token& t = view_[i];
  while (!stack->empty() && stack->back().first < i) stack->pop_back();
  if (t.kind == TokenKind::kString) {
    std::vector<std::string> context;
    for (auto it = stack->rbegin();
         it != stack->rend() && context.size() < kMaxContext; ++it) {
      if (!it->second.empty()) context.push_back(it->second);
    }
    uint32_t flags = t.Has(kTokenDisguised) ? kFoldObfuscated : 0;
    AddFact(FactKind::kString, t.value, i, flags, std::move(context));
  }
  if (ChainStart(i) && !LoneName(i)) {
    ChainWalk walk;
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
      AddFact(FactKind::kReference, std::move(ref.chain), ref.token, ref.flags);
    }
    for (const CallSite& call : walk.calls) {
      call_at_open_[call.open] = call.chain;
      OnCall(call, *stack);
    }
  }
  if (t.kind == TokenKind::kOperator && t.value.size() == 1 &&
      (t.value[0] == '(' || t.value[0] == '[' || t.value[0] == '{')) {
    auto it = call_at_open_.find(i);
    stack->emplace_back(view_.Partner(i),
                        it == call_at_open_.end() ? "" : it->second);
  }
}

void ScriptWalker::OnCall(
    const CallSite& call,
    const std::vector<std::pair<int, std::string>>& stack) {
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
  std::vector<std::string> context = {call.chain};
  for (auto it = stack.rbegin();
       it != stack.rend() && context.size() < kMaxContext; ++it) {
    if (!it->second.empty()) context.push_back(it->second);
  }
  for (const Argument& arg : eval_.Arguments(call.open)) {
    if (!WorthFolding(arg)) continue;
    const FoldedValue v = eval_.Fold(arg.begin, arg.end);
    if (v.IsString() && !v.str.empty() &&
        (v.flags & (kFoldObfuscated | kFoldDecoded | kFoldFromVariable)) != 0) {
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

void ScriptWalker::OnSink(const CallSite& call, const SinkInfo& sink) {
  const std::vector<Argument> args = eval_.Arguments(call.open);
  const Argument* payload = nullptr;
  const Argument* extra = nullptr;
  uint32_t positional = 0;
  for (const Argument& arg : args) {
    if (!arg.name.empty()) {
      if (payload == nullptr &&
          (arg.name == "source" || arg.name == "code" || arg.name == "cmd" ||
           arg.name == "args" || arg.name == "command")) {
        payload = &arg;
      }
      continue;
    }
    if (positional == sink.payload_arg) payload = &arg;
    if (positional == sink.payload_arg + 1) extra = &arg;
    ++positional;
  }
  if (sink.payload_is_last) {
    payload = nullptr;
    for (const Argument& arg : args) {
      if (arg.name.empty()) payload = &arg;
    }
    extra = nullptr;
  }
  if (payload == nullptr) return;
  FoldedValue v = eval_.Fold(payload->begin, payload->end);
  if (sink.string_payload_only) {
    // setTimeout("code") evaluates strings; functions are ordinary callbacks.
    if (!v.IsString()) return;
    Detect("string_code_executed", call.name_token,
           absl::StrCat(call.chain, "() evaluates a string as code"));
  }
  const uint32_t flags =
      v.flags | eval_.RangeFlags(payload->begin, payload->end);
  std::string text = ValueText(v);
  if (sink.kind == SinkKind::kShell && extra != nullptr) {
    int begin = extra->begin;
    int end = extra->end;
    // Options objects: spawn(cmd, { args: [...] }) as in Deno.Command.
    if (view_.IsOp(begin, "{")) {
      const int close = std::min(view_.Partner(begin), end);
      for (int k = begin + 1; k + 1 < close; ++k) {
        if (view_.IsKind(k, TokenKind::kIdentifier) &&
            view_[k].value == "args" && view_.IsOp(k + 1, ":")) {
          begin = k + 2;
          end = begin;
          while (end < close && !view_.IsOp(end, ",")) {
            const int partner = view_.Partner(end);
            end = partner > end ? partner + 1 : end + 1;
          }
          break;
        }
        const int partner = view_.Partner(k);
        if (partner > k) k = partner;
      }
    }
    const FoldedValue more = eval_.Fold(begin, end);
    if (more.IsList()) absl::StrAppend(&text, " ", ValueText(more));
  }
  const std::string what = absl::StrCat(call.chain, "() runs ");
  if (flags & kFoldDownloaded) {
    Detect("downloaded_code_executed", call.name_token,
           what + Describe(kFoldDownloaded));
  } else if (flags & (kFoldDecoded | kFoldOpaqueDecoder)) {
    Detect("decoded_payload_executed", call.name_token, what + Describe(flags));
  } else if ((flags & kFoldObfuscated) && !text.empty() &&
             !(flags & kFoldPartial)) {
    Detect("obfuscated_payload_executed", call.name_token,
           what + Describe(kFoldObfuscated));
  }
  if (text.empty()) {
    if (flags & kFoldReadFromFile) {
      Detect("file_content_executed", call.name_token,
             what + "content read from a file");
    } else if (!(flags &
                 (kFoldDownloaded | kFoldDecoded | kFoldOpaqueDecoder))) {
      Detect(sink.kind == SinkKind::kCode ? "dynamic_code_executed"
                                          : "dynamic_shell_command",
             call.name_token, what + "a value known only at run time");
    }
    return;
  }
  if (context_.depth + 1 > kMaxPayloadDepth) {
    Detect("payload_too_deep", call.name_token, what + "nested payloads");
    return;
  }
  AnalysisContext inner = context_;
  inner.depth = context_.depth + 1;
  inner.origin = Where(call.name_token);
  AnalyzeSource(sink.kind == SinkKind::kCode ? language_ : Language::kBash,
                text, inner, out_);
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

bool ScriptWalker::ReportedReference(const std::string& chain) {
  // Attribute chains, subscripts and dunder names carry meaning; a bare
  // local name does not, unless it is a namespace object of the runtime.
  if (chain.empty()) return false;
  if (chain.find_first_of(".[(") != std::string::npos || chain[0] == '_')
    return true;
  static constexpr absl::string_view kNamespaces[] = {
      "builtins",   "globals",  "locals",      "vars",    "eval",
      "exec",       "Function", "process",     "window",  "global",
      "self",       "require",  "module",      "Deno",    "Bun",
      "globalThis", "Reflect",  "constructor", "getattr", "compile"};
  for (absl::string_view name : kNamespaces) {
    if (chain == name) return true;
  }
  return false;
}

bool ScriptWalker::WorthFolding(const Argument& arg) const {
  // Plain literals are already facts; only values built from variables or
  // operations can say more. This keeps folding off the common path.
  static constexpr absl::string_view kBuilders[] = {
      "chr",    "join",       "decode",  "b64decode", "fromCharCode",
      "atob",   "unhexlify",  "fromhex", "replace",   "reversed",
      "format", "expanduser", "from",    "unquote",   "toString",
      "home",   "homedir",    "resolve"};
  const int end = std::min(arg.end, arg.begin + 256);
  for (int k = arg.begin; k < end; ++k) {
    const Token& t = view_[k];
    if (t.kind == TokenKind::kOperator &&
        (t.IsOp("+") || t.IsOp("%") || t.IsOp("/"))) {
      return true;
    }
    if (t.kind != TokenKind::kIdentifier) continue;
    // Variables matter when they hold text or hidden provenance; aliases
    // and unknown values fold to nothing new.
    if (auto it = bindings_.find(t.value); it != bindings_.end()) {
      const FoldedValue& v = it->second;
      if (v.IsString() || v.IsList() ||
          (v.flags & (kFoldDecoded | kFoldOpaqueDecoder | kFoldDownloaded |
                      kFoldObfuscated)) != 0) {
        return true;
      }
    }
    for (absl::string_view builder : kBuilders) {
      if (t.value == builder) return true;
    }
  }
  return false;
}

void ScriptWalker::WriteModeOpen(const CallSite& call) {
  if (call.chain != "open" && call.chain != "io.open" &&
      call.chain != "codecs.open" &&
      call.chain.find(".open") == std::string::npos) {
    return;
  }
  const std::vector<Argument> args = eval_.Arguments(call.open);
  const Argument* path = nullptr;
  const Argument* mode = nullptr;
  int positional = 0;
  for (const Argument& arg : args) {
    if (arg.name == "mode") mode = &arg;
    if (arg.name == "file") path = &arg;
    if (!arg.name.empty()) continue;
    if (positional == 0 && call.chain.find(".open") == std::string::npos)
      path = &arg;
    if (positional == (call.chain.find(".open") == std::string::npos ? 1 : 0))
      mode = &arg;
    ++positional;
  }
  if (mode == nullptr) return;
  const FoldedValue m = eval_.Fold(mode->begin, mode->end);
  if (!m.IsString() || m.str.find_first_of("wax+") == std::string::npos) return;
  // Path(...).open("w"): the receiver carries the path (ReceiverSite).
  if (path == nullptr) return;
  const FoldedValue p = eval_.Fold(path->begin, path->end);
  if (p.IsString())
    AddFact(FactKind::kString, p.str, path->begin, p.flags, {"write_file"});
}

double ScriptWalker::NumberIn(int begin, int end) {
  if (begin >= end) return -1;
  const FoldedValue v = eval_.Fold(begin, end);
  return v.IsNumber() ? v.number : -1;
}

void ScriptWalker::CheckAllocation(double count, int token,
                                   absl::string_view what) {
  if (count >= kHugeAllocation) {
    Detect("huge_allocation", token,
           absl::StrFormat("%s of %.3g units", what, count));
  }
}

}  // namespace forge::cars
