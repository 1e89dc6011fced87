#include "cars/fold_builtins.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "cars/decoders.h"
#include "cars/utf8.h"

namespace forge::cars {
namespace {

constexpr size_t kMaxString = 64 << 10;
constexpr size_t kMaxItems = 4096;
constexpr uint32_t kCarried =
    kFoldDecoded | kFoldOpaqueDecoder | kFoldDownloaded | kFoldReadFromFile |
    kFoldObfuscated | kFoldFromVariable | kFoldPartial;

enum class Builtin {
  kGetattr,
  kImport,
  kChr,
  kFromCharCode,
  kIdentity,
  kOrd,
  kInt,
  kReversed,
  kList,
  kMap,
  kBase64,
  kHex,
  kCodecs,
  kPercent,
  kOpaque,
  kBufferFrom,
  kReadInput,
  kPathJoin,
  kHome,
};

const absl::flat_hash_map<std::string, Builtin>& Table() {
  static const auto* table = new absl::flat_hash_map<std::string, Builtin>{
      {"getattr", Builtin::kGetattr},
      {"__import__", Builtin::kImport},
      {"importlib.import_module", Builtin::kImport},
      {"importlib.__import__", Builtin::kImport},
      {"require", Builtin::kImport},
      {"module.require", Builtin::kImport},
      {"process.mainModule.require", Builtin::kImport},
      {"import", Builtin::kImport},
      {"chr", Builtin::kChr},
      {"unichr", Builtin::kChr},
      {"String.fromCharCode", Builtin::kFromCharCode},
      {"String.fromCodePoint", Builtin::kFromCharCode},
      {"str", Builtin::kIdentity},
      {"String", Builtin::kIdentity},
      {"bytes", Builtin::kIdentity},
      {"bytearray", Builtin::kIdentity},
      {"ord", Builtin::kOrd},
      {"int", Builtin::kInt},
      {"parseInt", Builtin::kInt},
      {"Number", Builtin::kInt},
      {"reversed", Builtin::kReversed},
      {"list", Builtin::kList},
      {"tuple", Builtin::kList},
      {"Array.from", Builtin::kList},
      {"map", Builtin::kMap},
      {"base64.b64decode", Builtin::kBase64},
      {"base64.standard_b64decode", Builtin::kBase64},
      {"base64.urlsafe_b64decode", Builtin::kBase64},
      {"base64.decodebytes", Builtin::kBase64},
      {"base64.decodestring", Builtin::kBase64},
      {"binascii.a2b_base64", Builtin::kBase64},
      {"atob", Builtin::kBase64},
      {"bytes.fromhex", Builtin::kHex},
      {"bytearray.fromhex", Builtin::kHex},
      {"binascii.unhexlify", Builtin::kHex},
      {"binascii.a2b_hex", Builtin::kHex},
      {"base64.b16decode", Builtin::kHex},
      {"codecs.decode", Builtin::kCodecs},
      {"codecs.encode", Builtin::kCodecs},
      {"urllib.parse.unquote", Builtin::kPercent},
      {"urllib.parse.unquote_plus", Builtin::kPercent},
      {"unescape", Builtin::kPercent},
      {"decodeURIComponent", Builtin::kPercent},
      {"decodeURI", Builtin::kPercent},
      {"querystring.unescape", Builtin::kPercent},
      {"zlib.decompress", Builtin::kOpaque},
      {"gzip.decompress", Builtin::kOpaque},
      {"bz2.decompress", Builtin::kOpaque},
      {"lzma.decompress", Builtin::kOpaque},
      {"marshal.loads", Builtin::kOpaque},
      {"pickle.loads", Builtin::kOpaque},
      {"cPickle.loads", Builtin::kOpaque},
      {"dill.loads", Builtin::kOpaque},
      {"cloudpickle.loads", Builtin::kOpaque},
      {"base64.b32decode", Builtin::kOpaque},
      {"base64.b85decode", Builtin::kOpaque},
      {"base64.a85decode", Builtin::kOpaque},
      {"zlib.inflateSync", Builtin::kOpaque},
      {"zlib.gunzipSync", Builtin::kOpaque},
      {"zlib.inflateRawSync", Builtin::kOpaque},
      {"zlib.brotliDecompressSync", Builtin::kOpaque},
      {"Buffer.from", Builtin::kBufferFrom},
      {"open", Builtin::kReadInput},
      {"io.open", Builtin::kReadInput},
      {"codecs.open", Builtin::kReadInput},
      {"fs.readFileSync", Builtin::kReadInput},
      {"fs.promises.readFile", Builtin::kReadInput},
      {"Deno.readTextFileSync", Builtin::kReadInput},
      {"Deno.readTextFile", Builtin::kReadInput},
      {"input", Builtin::kReadInput},
      {"raw_input", Builtin::kReadInput},
      {"sys.stdin.read", Builtin::kReadInput},
      {"sys.stdin.readline", Builtin::kReadInput},
      {"os.path.join", Builtin::kPathJoin},
      {"os.path.expanduser", Builtin::kPathJoin},
      {"os.path.abspath", Builtin::kPathJoin},
      {"os.path.realpath", Builtin::kPathJoin},
      {"os.path.normpath", Builtin::kPathJoin},
      {"os.path.expandvars", Builtin::kPathJoin},
      {"pathlib.Path", Builtin::kPathJoin},
      {"pathlib.PurePath", Builtin::kPathJoin},
      {"path.join", Builtin::kPathJoin},
      {"path.resolve", Builtin::kPathJoin},
      {"path.normalize", Builtin::kPathJoin},
      {"pathlib.Path.home", Builtin::kHome},
      {"os.homedir", Builtin::kHome},
      {"os.path.expanduser()", Builtin::kHome},
  };
  return *table;
}

std::string Text(const FoldedValue& v, uint32_t* flags) {
  if (v.IsString()) return v.str;
  if (v.IsNumber()) {
    if (v.number == std::floor(v.number) && std::fabs(v.number) < 1e15) {
      return absl::StrCat(static_cast<int64_t>(v.number));
    }
    return absl::StrFormat("%g", v.number);
  }
  *flags |= kFoldPartial;
  if (v.IsAlias()) return absl::StrCat("{", v.str, "}");
  return "{?}";
}

std::string CodePointString(double n) {
  std::string out;
  if (n < 0 || n > 0x10FFFF) return out;
  if (n < 0x80) {
    out.push_back(static_cast<char>(n));
  } else {
    AppendUtf8(static_cast<char32_t>(n), &out);
  }
  return out;
}

FoldedValue Decoded(std::optional<std::string> value, uint32_t arg_flags) {
  const uint32_t flags = (arg_flags & kCarried) | kFoldDecoded;
  if (!value.has_value()) return FoldedValue::Unknown(flags);
  if (value->size() > kMaxString) value->resize(kMaxString);
  return FoldedValue::String(std::move(*value), flags);
}

FoldedValue CharCodes(const std::vector<FoldedValue>& codes, uint32_t flags) {
  std::string out;
  for (const FoldedValue& code : codes) {
    if (code.IsNumber()) {
      out += CodePointString(code.number);
    } else {
      flags |= kFoldPartial;
      out += "{?}";
    }
    flags |= code.flags & kCarried;
    if (out.size() > kMaxString) break;
  }
  return FoldedValue::String(std::move(out), flags | kFoldObfuscated);
}

FoldedValue Join(const std::vector<FoldedValue>& items, const std::string& sep,
                 uint32_t flags) {
  std::string out;
  for (size_t n = 0; n < items.size(); ++n) {
    if (n > 0) out += sep;
    out += Text(items[n], &flags);
    flags |= items[n].flags & kCarried;
    if (out.size() > kMaxString) {
      out.resize(kMaxString);
      break;
    }
  }
  if (items.size() > 1) flags |= kFoldObfuscated;
  return FoldedValue::String(std::move(out), flags);
}

FoldedValue ApplyCodec(const FoldedValue& value, absl::string_view codec,
                       uint32_t flags) {
  const std::string name = absl::AsciiStrToLower(codec);
  if (!value.IsString()) return FoldedValue::Unknown(flags | kFoldDecoded);
  if (name == "rot13" || name == "rot_13" || name == "rot-13") {
    return FoldedValue::String(Rot13(value.str), flags | kFoldDecoded);
  }
  if (name == "hex" || name == "hex_codec")
    return Decoded(DecodeHex(value.str), flags);
  if (name == "base64" || name == "base64_codec" || name == "base_64") {
    return Decoded(DecodeBase64(value.str), flags);
  }
  if (absl::StartsWith(name, "utf") || name == "ascii" || name == "latin-1" ||
      name == "latin1" || name.empty()) {
    return FoldedValue::String(value.str, flags);
  }
  return FoldedValue::Unknown(flags | kFoldDecoded | kFoldOpaqueDecoder);
}

}  // namespace

uint32_t FoldBuiltins::DecoderFlags(absl::string_view chain) {
  auto it = Table().find(chain);
  if (it == Table().end()) return 0;
  switch (it->second) {
    case Builtin::kBase64:
    case Builtin::kHex:
    case Builtin::kCodecs:
    case Builtin::kPercent:
      return kFoldDecoded;
    case Builtin::kOpaque:
      return kFoldDecoded | kFoldOpaqueDecoder;
    case Builtin::kChr:
    case Builtin::kFromCharCode:
      return kFoldObfuscated;
    default:
      return 0;
  }
}

bool FoldBuiltins::CallWithValue(ExpressionEvaluator& ev,
                                 const std::string& chain,
                                 const FoldedValue& arg, FoldedValue* out) {
  (void)ev;
  auto it = Table().find(chain);
  if (it == Table().end()) return false;
  const uint32_t flags = arg.flags & kCarried;
  switch (it->second) {
    case Builtin::kChr:
    case Builtin::kFromCharCode:
      *out = CharCodes({arg}, flags);
      return true;
    case Builtin::kIdentity:
      *out = arg;
      return true;
    case Builtin::kOrd:
      *out = arg.IsString() && !arg.str.empty()
                 ? FoldedValue::Number(static_cast<unsigned char>(arg.str[0]),
                                       flags)
                 : FoldedValue::Unknown(flags);
      return true;
    case Builtin::kInt: {
      double n;
      *out = arg.IsNumber() ? arg : FoldedValue::Unknown(flags);
      if (arg.IsString() && absl::SimpleAtod(arg.str, &n))
        *out = FoldedValue::Number(n, flags);
      return true;
    }
    default:
      return false;
  }
}

bool FoldBuiltins::Call(ExpressionEvaluator& ev, const std::string& chain,
                        uint32_t callee_flags, int name_token, int open,
                        int depth, ChainWalk* rec, FoldedValue* out) {
  auto it = Table().find(chain);
  // x.require(...) (process.mainModule.require, module.require, ...) loads
  // modules like require.
  static const Builtin kRequire = Builtin::kImport;
  const Builtin* found = it != Table().end()                 ? &it->second
                         : absl::EndsWith(chain, ".require") ? &kRequire
                                                             : nullptr;
  // String.fromCharCode.apply(null, codes) / chr.call(null, n): the
  // character builders called indirectly.
  if (found == nullptr &&
      (absl::EndsWith(chain, ".apply") || absl::EndsWith(chain, ".call"))) {
    const bool apply = absl::EndsWith(chain, ".apply");
    auto base = Table().find(chain.substr(0, chain.rfind('.')));
    if (base == Table().end() || (base->second != Builtin::kFromCharCode &&
                                  base->second != Builtin::kChr)) {
      return false;
    }
    const std::vector<Argument> args = ev.Arguments(open);
    std::vector<FoldedValue> codes;
    for (size_t n = 1; n < args.size() && codes.size() < kMaxItems; ++n) {
      FoldedValue v = ev.ArgumentValue(args[n], depth);
      if (apply && v.IsList()) {
        for (FoldedValue& item : v.items) codes.push_back(std::move(item));
      } else {
        codes.push_back(std::move(v));
      }
    }
    *out = CharCodes(codes, 0);
    return true;
  }
  if (found == nullptr) return false;
  const std::vector<Argument> args = ev.Arguments(open);
  auto arg = [&](size_t n) -> FoldedValue {
    if (n >= args.size()) return FoldedValue::Unknown();
    return ev.ArgumentValue(args[n], depth);
  };
  const Builtin builtin = *found;
  switch (builtin) {
    case Builtin::kGetattr: {
      const FoldedValue base = arg(0);
      const FoldedValue name = arg(1);
      if (!base.IsAlias()) {
        *out = FoldedValue::Unknown(base.flags & kCarried);
      } else if (name.IsString()) {
        *out = FoldedValue::Alias(
            ExpressionEvaluator::NormalizeChain(
                absl::StrCat(base.str, ".", name.str)),
            base.flags | kFoldComputedName | (name.flags & kFoldHiddenMask));
      } else {
        *out = FoldedValue::Alias(
            absl::StrCat(base.str, "[?]"),
            base.flags | kFoldUnknownName | (name.flags & kFoldHiddenMask));
      }
      return true;
    }
    case Builtin::kImport: {
      const FoldedValue module = arg(0);
      const uint32_t hidden =
          (module.flags & kFoldHiddenMask) |
          (callee_flags & (kFoldHiddenMask | kFoldComputedName));
      // import_module(f"plugins.{name}"): a module of a fixed package.
      const size_t brace =
          module.IsString() ? module.str.find('{') : std::string::npos;
      if (module.IsString() && module.Has(kFoldPartial) &&
          brace != std::string::npos && brace > 1 &&
          module.str[brace - 1] == '.') {
        *out = FoldedValue::Unknown(module.flags & kCarried);
        return true;
      }
      if (module.IsString() && !module.Has(kFoldPartial)) {
        std::string name = module.str;
        if (absl::StartsWith(name, "node:")) name.erase(0, 5);
        if (rec != nullptr) rec->imports.push_back({name, hidden, name_token});
        *out = FoldedValue::Alias(name, hidden);
      } else {
        if (rec != nullptr) {
          rec->imports.push_back({"", hidden | kFoldUnknownName, name_token});
        }
        *out = FoldedValue::Unknown(module.flags & kCarried);
      }
      return true;
    }
    case Builtin::kChr:
      *out = CharCodes({arg(0)}, 0);
      return true;
    case Builtin::kFromCharCode: {
      std::vector<FoldedValue> codes;
      for (size_t n = 0; n < args.size() && n < kMaxItems; ++n) {
        FoldedValue v = arg(n);
        if (v.IsList()) {
          for (FoldedValue& item : v.items) codes.push_back(std::move(item));
        } else {
          codes.push_back(std::move(v));
        }
      }
      *out = CharCodes(codes, 0);
      return true;
    }
    case Builtin::kIdentity:
    case Builtin::kOrd:
    case Builtin::kInt: {
      FoldedValue v = arg(0);
      if (builtin == Builtin::kIdentity && v.IsList()) {
        *out = CharCodes(v.items, v.flags & kCarried);
        return true;
      }
      if (builtin == Builtin::kInt && args.size() > 1 && v.IsString()) {
        const FoldedValue base = arg(1);
        char* end = nullptr;
        const long long n =
            std::strtoll(v.str.c_str(), &end,
                         base.IsNumber() ? static_cast<int>(base.number) : 10);
        *out = (end != nullptr && *end == '\0')
                   ? FoldedValue::Number(static_cast<double>(n), v.flags)
                   : FoldedValue::Unknown(v.flags);
        return true;
      }
      return CallWithValue(ev, chain, v, out);
    }
    case Builtin::kReversed: {
      FoldedValue v = arg(0);
      if (v.IsString()) std::reverse(v.str.begin(), v.str.end());
      if (v.IsList()) std::reverse(v.items.begin(), v.items.end());
      v.flags |= kFoldObfuscated;
      *out = std::move(v);
      return true;
    }
    case Builtin::kList: {
      FoldedValue v = arg(0);
      if (v.IsString()) {
        FoldedValue list;
        list.kind = FoldedValue::Kind::kList;
        list.flags = v.flags;
        for (char c : v.str) {
          if (list.items.size() >= kMaxItems) break;
          list.items.push_back(FoldedValue::String(std::string(1, c)));
        }
        v = std::move(list);
      }
      *out = std::move(v);
      return true;
    }
    case Builtin::kMap: {
      const FoldedValue fn = arg(0);
      const FoldedValue items = arg(1);
      if (!items.IsList()) {
        *out = FoldedValue::Unknown((fn.flags | items.flags) & kCarried);
        return true;
      }
      FoldedValue list;
      list.kind = FoldedValue::Kind::kList;
      list.flags = items.flags;
      for (const FoldedValue& item : items.items) {
        list.items.push_back(ev.Apply(fn, item, depth + 1));
      }
      *out = std::move(list);
      return true;
    }
    case Builtin::kBase64: {
      const FoldedValue v = arg(0);
      *out = v.IsString()
                 ? Decoded(DecodeBase64(v.str), v.flags)
                 : FoldedValue::Unknown((v.flags & kCarried) | kFoldDecoded);
      return true;
    }
    case Builtin::kHex: {
      const FoldedValue v = arg(0);
      *out = v.IsString()
                 ? Decoded(DecodeHex(v.str), v.flags)
                 : FoldedValue::Unknown((v.flags & kCarried) | kFoldDecoded);
      return true;
    }
    case Builtin::kCodecs: {
      const FoldedValue v = arg(0);
      const FoldedValue codec = arg(1);
      *out =
          ApplyCodec(v, codec.IsString() ? codec.str : "?", v.flags & kCarried);
      if (!codec.IsString() && args.size() < 2) *out = v;
      return true;
    }
    case Builtin::kPercent: {
      const FoldedValue v = arg(0);
      *out = v.IsString()
                 ? FoldedValue::String(DecodePercent(v.str),
                                       (v.flags & kCarried) | kFoldDecoded)
                 : FoldedValue::Unknown((v.flags & kCarried) | kFoldDecoded);
      return true;
    }
    case Builtin::kOpaque: {
      const FoldedValue v = arg(0);
      *out = FoldedValue::Unknown((v.flags & kCarried) | kFoldDecoded |
                                  kFoldOpaqueDecoder);
      return true;
    }
    case Builtin::kBufferFrom: {
      const FoldedValue v = arg(0);
      const FoldedValue encoding = arg(1);
      if (encoding.IsString()) {
        *out =
            ApplyCodec(v, encoding.str == "base64url" ? "base64" : encoding.str,
                       v.flags & kCarried);
      } else {
        *out = v.IsList() ? CharCodes(v.items, v.flags & kCarried) : v;
      }
      return true;
    }
    case Builtin::kReadInput:
      *out = FoldedValue::Alias(absl::StrCat(chain, "()"), kFoldReadFromFile);
      return true;
    case Builtin::kPathJoin: {
      std::vector<FoldedValue> parts;
      for (size_t n = 0; n < args.size() && n < 64; ++n) {
        if (args[n].name.empty()) parts.push_back(arg(n));
      }
      if (parts.empty()) {
        *out = FoldedValue::Unknown();
        return true;
      }
      uint32_t flags = 0;
      std::string path;
      for (const FoldedValue& part : parts) {
        const std::string piece = Text(part, &flags);
        flags |= part.flags & kCarried;
        if (!path.empty() && !piece.empty() && piece[0] == '/') path.clear();
        if (!path.empty() && path.back() != '/') path.push_back('/');
        path += piece;
      }
      if ((flags & kFoldPartial) && parts.size() == 1 && !parts[0].IsString()) {
        *out = FoldedValue::Unknown(flags);
        return true;
      }
      *out = FoldedValue::String(std::move(path), flags & ~kFoldObfuscated);
      return true;
    }
    case Builtin::kHome:
      *out = FoldedValue::String("~");
      return true;
  }
  return false;
}

FoldedValue FoldBuiltins::PercentFormat(const FoldedValue& fmt,
                                        const FoldedValue& args,
                                        uint32_t flags) {
  std::vector<FoldedValue> values;
  if (args.IsList()) {
    values = args.items;
  } else {
    values.push_back(args);
  }
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.str.size(); ++i) {
    const char c = fmt.str[i];
    if (c != '%' || i + 1 >= fmt.str.size()) {
      out.push_back(c);
      continue;
    }
    const char spec = fmt.str[++i];
    if (spec == '%') {
      out.push_back('%');
      continue;
    }
    if (next >= values.size()) {
      flags |= kFoldPartial;
      continue;
    }
    const FoldedValue& v = values[next++];
    if (spec == 'c' && v.IsNumber()) {
      out += CodePointString(v.number);
    } else {
      out += Text(v, &flags);
    }
    if (out.size() > kMaxString) break;
  }
  return FoldedValue::String(std::move(out), flags | kFoldObfuscated);
}

bool FoldBuiltins::Method(ExpressionEvaluator& ev, const FoldedValue& receiver,
                          const std::string& name, int open, int depth,
                          FoldedValue* out) {
  const std::vector<Argument> args = ev.Arguments(open);
  auto arg = [&](size_t n) -> FoldedValue {
    if (n >= args.size()) return FoldedValue::Unknown();
    return ev.ArgumentValue(args[n], depth);
  };
  uint32_t flags = receiver.flags & kCarried;
  const bool js = ev.language_ == Language::kJavaScript;
  if (receiver.IsNumber()) {
    if (name != "toString") return false;
    const FoldedValue radix = arg(0);
    int base = radix.IsNumber() ? static_cast<int>(radix.number) : 10;
    if (base < 2 || base > 36 || receiver.number < 0 || receiver.number > 1e15)
      return false;
    auto n = static_cast<uint64_t>(receiver.number);
    std::string digits;
    do {
      const int d = static_cast<int>(n % base);
      digits.push_back(static_cast<char>(d < 10 ? '0' + d : 'a' + d - 10));
      n /= base;
    } while (n > 0);
    std::reverse(digits.begin(), digits.end());
    *out =
        FoldedValue::String(digits, flags | (base != 10 ? kFoldObfuscated : 0));
    return true;
  }
  if (receiver.IsList()) {
    if (name == "join") {
      const FoldedValue sep = arg(0);
      *out = Join(receiver.items, sep.IsString() ? sep.str : ",", flags);
    } else if (name == "reverse") {
      *out = receiver;
      std::reverse(out->items.begin(), out->items.end());
      out->flags |= kFoldObfuscated;
    } else if (name == "map") {
      const FoldedValue fn = arg(0);
      FoldedValue list;
      list.kind = FoldedValue::Kind::kList;
      list.flags = flags;
      for (const FoldedValue& item : receiver.items) {
        list.items.push_back(ev.Apply(fn, item, depth + 1));
      }
      *out = std::move(list);
    } else if (name == "concat") {
      *out = receiver;
      for (size_t n = 0; n < args.size(); ++n) {
        FoldedValue more = arg(n);
        if (more.IsList()) {
          for (FoldedValue& item : more.items)
            out->items.push_back(std::move(item));
        } else {
          out->items.push_back(std::move(more));
        }
        if (out->items.size() > kMaxItems) out->items.resize(kMaxItems);
      }
    } else {
      return false;
    }
    return true;
  }
  if (!receiver.IsString()) return false;
  const std::string& s = receiver.str;
  if (name == "join") {
    const FoldedValue items = arg(0);
    if (items.IsList()) {
      *out = Join(items.items, s, flags | (items.flags & kCarried));
    } else if (items.IsString()) {
      std::vector<FoldedValue> chars;
      for (char c : items.str)
        chars.push_back(FoldedValue::String(std::string(1, c)));
      *out = Join(chars, s, flags | (items.flags & kCarried));
    } else {
      *out = FoldedValue::Unknown(flags | (items.flags & kCarried));
    }
  } else if (name == "decode" || name == "encode") {
    const FoldedValue codec = arg(0);
    *out = codec.IsString() ? ApplyCodec(receiver, codec.str, flags) : receiver;
  } else if (name == "replace" || name == "replaceAll") {
    std::string from;
    bool all = !js || name == "replaceAll";
    if (!args.empty() && args[0].end == args[0].begin + 1 &&
        ev.view_[args[0].begin].kind == TokenKind::kRegex) {
      // Only literal patterns; /x/g (any flags after the slash) replaces all.
      const Token& re = ev.view_[args[0].begin];
      from = re.value;
      all = re.end - re.begin > from.size() + 2;
      if (from.find_first_of("\\^$.|?*+()[]{}") != std::string::npos)
        return false;
    } else {
      const FoldedValue f = arg(0);
      if (!f.IsString()) return false;
      from = f.str;
    }
    const FoldedValue to = arg(1);
    if (!to.IsString() || from.empty()) return false;
    std::string result;
    size_t pos = 0;
    while (true) {
      const size_t hit = s.find(from, pos);
      if (hit == std::string::npos) break;
      result.append(s, pos, hit - pos);
      result += to.str;
      pos = hit + from.size();
      if (!all || result.size() > kMaxString) break;
    }
    result.append(s, std::min(pos, s.size()), std::string::npos);
    *out = FoldedValue::String(std::move(result), flags | kFoldObfuscated);
  } else if (name == "lower" || name == "toLowerCase" || name == "casefold") {
    *out = FoldedValue::String(absl::AsciiStrToLower(s), flags);
  } else if (name == "upper" || name == "toUpperCase") {
    *out = FoldedValue::String(absl::AsciiStrToUpper(s), flags);
  } else if (name == "strip" || name == "trim" || name == "lstrip" ||
             name == "rstrip" || name == "trimStart" || name == "trimEnd") {
    *out =
        FoldedValue::String(std::string(absl::StripAsciiWhitespace(s)), flags);
  } else if (name == "split") {
    const FoldedValue sep = arg(0);
    FoldedValue list;
    list.kind = FoldedValue::Kind::kList;
    list.flags = flags;
    std::vector<std::string> parts;
    if (sep.IsString() && sep.str.empty()) {
      for (char c : s) parts.emplace_back(1, c);
    } else if (sep.IsString()) {
      parts = absl::StrSplit(s, sep.str);
    } else if (args.empty() && !js) {
      parts = absl::StrSplit(s, absl::ByAnyChar(" \t\n"), absl::SkipEmpty());
    } else {
      return false;
    }
    for (std::string& part : parts) {
      if (list.items.size() >= kMaxItems) break;
      list.items.push_back(FoldedValue::String(std::move(part)));
    }
    *out = std::move(list);
  } else if (name == "format") {
    std::string result;
    size_t next = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '{' && i + 1 < s.size() && s[i + 1] == '{') {
        result.push_back('{');
        ++i;
      } else if (s[i] == '}' && i + 1 < s.size() && s[i + 1] == '}') {
        result.push_back('}');
        ++i;
      } else if (s[i] == '{') {
        const size_t close = s.find('}', i);
        if (close == std::string::npos) break;
        const std::string field = s.substr(i + 1, close - i - 1);
        size_t index = next++;
        if (!field.empty() && absl::ascii_isdigit(field[0]))
          index = std::strtoul(field.c_str(), nullptr, 10);
        result += (field.empty() || absl::ascii_isdigit(field[0]))
                      ? Text(arg(index), &flags)
                      : (flags |= kFoldPartial, "{?}");
        i = close;
      } else {
        result.push_back(s[i]);
      }
      if (result.size() > kMaxString) break;
    }
    *out = FoldedValue::String(std::move(result), flags | kFoldObfuscated);
  } else if (name == "toString" || name == "valueOf" ||
             name == "toLocaleString") {
    const FoldedValue encoding = arg(0);
    if (encoding.IsString() &&
        (encoding.str == "base64" || encoding.str == "hex"))
      return false;
    *out = receiver;
  } else if (name == "concat") {
    std::string result = s;
    for (size_t n = 0; n < args.size() && result.size() < kMaxString; ++n) {
      result += Text(arg(n), &flags);
    }
    *out = FoldedValue::String(std::move(result), flags | kFoldObfuscated);
  } else if (name == "repeat") {
    const FoldedValue times = arg(0);
    if (!times.IsNumber() || times.number < 0) return false;
    std::string result;
    for (double n = 0; n < times.number &&
                       result.size() + s.size() <= kMaxString && !s.empty();
         ++n) {
      result += s;
    }
    *out = FoldedValue::String(std::move(result), flags);
  } else if (name == "charAt" || name == "at") {
    const FoldedValue at = arg(0);
    if (!at.IsNumber() || at.number < 0 ||
        at.number >= static_cast<double>(s.size()))
      return false;
    *out =
        FoldedValue::String(std::string(1, s[static_cast<size_t>(at.number)]),
                            flags | kFoldObfuscated);
  } else if (name == "charCodeAt" || name == "codePointAt") {
    const FoldedValue at = arg(0);
    const size_t n =
        at.IsNumber() ? static_cast<size_t>(std::max(0.0, at.number)) : 0;
    if (n >= s.size()) return false;
    *out = FoldedValue::Number(static_cast<unsigned char>(s[n]), flags);
  } else if (name == "slice" || name == "substring" || name == "substr") {
    const FoldedValue a = arg(0);
    const FoldedValue b = arg(1);
    const auto size = static_cast<int64_t>(s.size());
    int64_t from = a.IsNumber() ? static_cast<int64_t>(a.number) : 0;
    int64_t to = b.IsNumber() ? static_cast<int64_t>(b.number) : size;
    if (name == "substr" && b.IsNumber())
      to = from + static_cast<int64_t>(b.number);
    if (from < 0) from = name == "substring" ? 0 : from + size;
    if (to < 0) to = name == "substring" ? 0 : to + size;
    from = std::clamp<int64_t>(from, 0, size);
    to = std::clamp<int64_t>(to, from, size);
    *out =
        FoldedValue::String(s.substr(from, to - from), flags | kFoldObfuscated);
  } else {
    return false;
  }
  return true;
}

}  // namespace forge::cars
