// ScriptWalker, part two: what sinks receive (decoded, downloaded,
// obfuscated, unknown or constant payloads, analysed recursively), which
// call arguments are worth folding, files opened for writing, and the
// allocation-size check.
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cars/literal_table.h"
#include "cars/script_walker.h"

namespace forge::cars {
namespace {

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

bool ScriptWalker::WorthFolding(const Argument& arg) const {
  // Plain literals are already facts; only values built from variables or
  // operations can say more. This keeps folding off the common path.
  static const LiteralTable<18> kBuilders(
      {"chr", "join", "decode", "b64decode", "fromCharCode", "atob",
       "unhexlify", "fromhex", "replace", "reversed", "format", "expanduser",
       "from", "unquote", "toString", "home", "homedir", "resolve"});
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
    if (kBuilders.Contains(t.value)) return true;
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
