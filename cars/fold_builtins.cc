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
#include "cars/fold_values.h"
#include "cars/utf8.h"

namespace forge::cars {
namespace {

using fold::ApplyCodec;
using fold::CharCodes;
using fold::CodePointString;
using fold::Decoded;
using fold::Join;
using fold::kCarried;
using fold::kMaxItems;
using fold::kMaxString;
using fold::Text;

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

bool FoldBuiltins::CallWithValue(const std::string& chain,
                                 const FoldedValue& arg, FoldedValue* out) {
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
        const long long n = std::strtoll(
            v.str.c_str(), &end,
            base.IsNumber() && base.number >= 2 && base.number <= 36
                ? static_cast<int>(base.number)
                : 10);
        *out = (end != nullptr && *end == '\0')
                   ? FoldedValue::Number(static_cast<double>(n), v.flags)
                   : FoldedValue::Unknown(v.flags);
        return true;
      }
      return CallWithValue(chain, v, out);
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

}  // namespace forge::cars
