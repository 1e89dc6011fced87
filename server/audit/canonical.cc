#include "server/audit/canonical.h"

#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/status_macros.h"

namespace forge::audit {
namespace {

void AppendJsonString(absl::string_view text, std::string* out) {
  out->push_back('"');
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"') {
      out->append("\\\"");
    } else if (c == '\\') {
      out->append("\\\\");
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(ch);
    }
  }
  out->push_back('"');
}

void AppendField(absl::string_view key, absl::string_view value,
                 std::string* out) {
  out->append(",\"");
  out->append(key.data(), key.size());
  out->append("\":");
  AppendJsonString(value, out);
}

// The body without its closing brace.
void AppendOpenBody(const AuditRecord& r, std::string* out) {
  absl::StrAppend(out, "{\"sequence\":", r.sequence());
  AppendField("time", FormatAuditTime(FromTimestamp(r.time())), out);
  AppendField("type", r.type(), out);
  AppendField("tenant", r.tenant(), out);
  AppendField("principal", r.principal(), out);
  AppendField("execution_id", r.execution_id(), out);
  AppendField("session_id", r.session_id(), out);
  out->append(",\"details\":{");
  // protobuf maps are unordered; the canonical order is bytewise by key.
  std::map<absl::string_view, absl::string_view> sorted;
  for (const auto& [key, value] : r.details()) sorted.emplace(key, value);
  bool first = true;
  for (const auto& [key, value] : sorted) {
    if (!first) out->push_back(',');
    first = false;
    AppendJsonString(key, out);
    out->push_back(':');
    AppendJsonString(value, out);
  }
  out->push_back('}');
}

void AppendHashes(const AuditRecord& r, std::string* out) {
  AppendField("prev_hash", r.prev_hash(), out);
  AppendField("hash", r.hash(), out);
  out->push_back('}');
}

// Length of the valid UTF-8 sequence at text[i], or 0 if it is invalid.
size_t Utf8SequenceLength(absl::string_view text, size_t i) {
  const auto byte = [&](size_t k) {
    return static_cast<unsigned char>(text[k]);
  };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len;
  uint32_t min;
  if ((c & 0xe0) == 0xc0) {
    len = 2, min = 0x80;
  } else if ((c & 0xf0) == 0xe0) {
    len = 3, min = 0x800;
  } else if ((c & 0xf8) == 0xf0) {
    len = 4, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  uint32_t cp = c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

bool IsValidUtf8(absl::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

void SanitizeString(std::string* text) {
  if (IsValidUtf8(*text)) return;
  std::string out;
  for (size_t i = 0; i < text->size();) {
    const size_t len = Utf8SequenceLength(*text, i);
    if (len == 0) {
      out.append("\xef\xbf\xbd");
      ++i;
    } else {
      out.append(*text, i, len);
      i += len;
    }
  }
  *text = std::move(out);
}

// A strict recursive-descent reader for exactly the canonical grammar.
class LineReader {
 public:
  explicit LineReader(absl::string_view text) : text_(text) {}

  absl::Status Literal(absl::string_view literal) {
    const absl::string_view rest = text_.substr(pos_);
    if (rest.size() < literal.size() &&
        literal.substr(0, rest.size()) == rest) {
      return Truncated();
    }
    if (rest.substr(0, literal.size()) != literal) {
      return Malformed(absl::StrCat("expected '", literal, "'"));
    }
    pos_ += literal.size();
    return absl::OkStatus();
  }

  // Whether the next byte is `c` (consuming nothing). Truncated at the end.
  absl::StatusOr<bool> Peek(char c) {
    if (pos_ >= text_.size()) return Truncated();
    return text_[pos_] == c;
  }

  absl::StatusOr<uint64_t> Number() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      ++pos_;
    }
    if (pos_ == text_.size()) return Truncated();
    uint64_t value;
    if (pos_ == start || pos_ - start > 20 ||
        !absl::SimpleAtoi(text_.substr(start, pos_ - start), &value)) {
      return Malformed("expected an unsigned integer");
    }
    return value;
  }

  absl::StatusOr<std::string> String() {
    FORGE_RETURN_IF_ERROR(Literal("\""));
    std::string value;
    for (;;) {
      if (pos_ >= text_.size()) return Truncated();
      const char c = text_[pos_++];
      if (c == '"') break;
      if (c != '\\') {
        value.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return Truncated();
      const char escape = text_[pos_++];
      if (escape == '"' || escape == '\\') {
        value.push_back(escape);
        continue;
      }
      if (escape != 'u') return Malformed("non-canonical escape");
      if (text_.size() - pos_ < 4) return Truncated();
      int code = 0;
      if (std::sscanf(std::string(text_.substr(pos_, 4)).c_str(), "%4x",
                      &code) != 1 ||
          code > 0x7f) {
        return Malformed("non-canonical \\u escape");
      }
      pos_ += 4;
      value.push_back(static_cast<char>(code));
    }
    if (!IsValidUtf8(value)) return Malformed("string is not valid UTF-8");
    return value;
  }

  bool AtEnd() const { return pos_ == text_.size(); }

  absl::Status Truncated() const {
    return absl::OutOfRangeError(
        absl::StrCat("line ends early after ", text_.size(), " bytes"));
  }
  absl::Status Malformed(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed record at column ", pos_ + 1, ": ", what));
  }

 private:
  absl::string_view text_;
  size_t pos_ = 0;
};

absl::StatusOr<AuditRecord> ReadLine(LineReader& in) {
  AuditRecord r;
  FORGE_RETURN_IF_ERROR(in.Literal("{\"sequence\":"));
  FORGE_ASSIGN_OR_RETURN(uint64_t sequence, in.Number());
  r.set_sequence(sequence);
  FORGE_RETURN_IF_ERROR(in.Literal(",\"time\":"));
  FORGE_ASSIGN_OR_RETURN(std::string time_text, in.String());
  auto time = ParseAuditTime(time_text);
  if (!time.ok()) return in.Malformed(time.status().message());
  *r.mutable_time() = ToTimestamp(*time);
  struct Field {
    const char* literal;
    std::string* (AuditRecord::*target)();
  };
  static constexpr Field kFields[] = {
      {",\"type\":", &AuditRecord::mutable_type},
      {",\"tenant\":", &AuditRecord::mutable_tenant},
      {",\"principal\":", &AuditRecord::mutable_principal},
      {",\"execution_id\":", &AuditRecord::mutable_execution_id},
      {",\"session_id\":", &AuditRecord::mutable_session_id},
  };
  for (const Field& field : kFields) {
    FORGE_RETURN_IF_ERROR(in.Literal(field.literal));
    FORGE_ASSIGN_OR_RETURN(*(r.*field.target)(), in.String());
  }
  FORGE_RETURN_IF_ERROR(in.Literal(",\"details\":{"));
  FORGE_ASSIGN_OR_RETURN(bool empty, in.Peek('}'));
  std::string last_key;
  while (!empty) {
    FORGE_ASSIGN_OR_RETURN(std::string key, in.String());
    if (r.details_size() > 0 && key <= last_key) {
      return in.Malformed("details keys not in strictly increasing order");
    }
    FORGE_RETURN_IF_ERROR(in.Literal(":"));
    FORGE_ASSIGN_OR_RETURN(std::string value, in.String());
    last_key = key;
    (*r.mutable_details())[std::move(key)] = std::move(value);
    FORGE_ASSIGN_OR_RETURN(bool more, in.Peek(','));
    if (!more) break;
    FORGE_RETURN_IF_ERROR(in.Literal(","));
  }
  FORGE_RETURN_IF_ERROR(in.Literal("}"));
  FORGE_RETURN_IF_ERROR(in.Literal(",\"prev_hash\":"));
  FORGE_ASSIGN_OR_RETURN(*r.mutable_prev_hash(), in.String());
  FORGE_RETURN_IF_ERROR(in.Literal(",\"hash\":"));
  FORGE_ASSIGN_OR_RETURN(*r.mutable_hash(), in.String());
  FORGE_RETURN_IF_ERROR(in.Literal("}"));
  return r;
}

}  // namespace

google::protobuf::Timestamp ToTimestamp(absl::Time time) {
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) rem += 1000000, --seconds;
  google::protobuf::Timestamp out;
  out.set_seconds(seconds);
  out.set_nanos(static_cast<int32_t>(rem * 1000));
  return out;
}

absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

std::string FormatAuditTime(absl::Time time) {
  const absl::Time truncated =
      absl::UnixEpoch() +
      absl::Trunc(time - absl::UnixEpoch(), absl::Microseconds(1));
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", truncated,
                          absl::UTCTimeZone());
}

absl::StatusOr<absl::Time> ParseAuditTime(absl::string_view text) {
  absl::Time time;
  std::string error;
  if (text.size() != 27 ||
      !absl::ParseTime("%Y-%m-%dT%H:%M:%E6SZ", text, absl::UTCTimeZone(), &time,
                       &error) ||
      FormatAuditTime(time) != text) {
    return absl::InvalidArgumentError(absl::StrCat(
        "time \"", text, "\" is not RFC 3339 UTC with 6 fractional digits"));
  }
  return time;
}

std::string CanonicalBody(const AuditRecord& record) {
  std::string out;
  AppendOpenBody(record, &out);
  out.push_back('}');
  return out;
}

std::string CanonicalLine(const AuditRecord& record) {
  std::string out;
  AppendOpenBody(record, &out);
  AppendHashes(record, &out);
  return out;
}

std::string ChainHash(absl::string_view prev_hash,
                      absl::string_view body_sha256) {
  return Sha256Hex(absl::StrCat(prev_hash, body_sha256));
}

std::string ComputeRecordHash(const AuditRecord& record) {
  return ChainHash(record.prev_hash(), Sha256Hex(CanonicalBody(record)));
}

std::string SealRecord(absl::string_view prev_hash, AuditRecord* record) {
  std::string line;
  line.reserve(512);
  AppendOpenBody(*record, &line);
  line.push_back('}');
  record->set_prev_hash(std::string(prev_hash));
  record->set_hash(ChainHash(prev_hash, Sha256Hex(line)));
  line.pop_back();
  AppendHashes(*record, &line);
  line.push_back('\n');
  return line;
}

void SanitizeUtf8(AuditRecord* record) {
  SanitizeString(record->mutable_type());
  SanitizeString(record->mutable_tenant());
  SanitizeString(record->mutable_principal());
  SanitizeString(record->mutable_execution_id());
  SanitizeString(record->mutable_session_id());
  auto* details = record->mutable_details();
  bool clean = true;
  for (const auto& [key, value] : *details) {
    clean = clean && IsValidUtf8(key) && IsValidUtf8(value);
  }
  if (clean) return;
  google::protobuf::Map<std::string, std::string> fixed;
  for (const auto& [key, value] : *details) {
    std::string k = key, v = value;
    SanitizeString(&k);
    SanitizeString(&v);
    fixed[k] = v;
  }
  *details = std::move(fixed);
}

absl::StatusOr<AuditRecord> ParseCanonicalLine(absl::string_view line) {
  LineReader in(line);
  FORGE_ASSIGN_OR_RETURN(AuditRecord record, ReadLine(in));
  if (!in.AtEnd()) return in.Malformed("text after the record");
  if (!IsHashHex(record.prev_hash()) || !IsHashHex(record.hash())) {
    return absl::InvalidArgumentError(
        "prev_hash and hash must be 64 lowercase hex digits");
  }
  // The reader accepts a few spellings the writer never produces (e.g.
  // "\u0041" for "A", leading zeros); only the canonical one is valid.
  if (CanonicalLine(record) != line) {
    return absl::InvalidArgumentError("record is not in canonical form");
  }
  return record;
}

std::string CanonicalHead(const ChainHead& head) {
  return absl::StrCat(
      "forge-exec audit chain head v1\nsequence=", head.sequence(),
      "\nhash=", head.hash(),
      "\nsigned_at=", FormatAuditTime(FromTimestamp(head.signed_at())), "\n");
}

bool IsHashHex(absl::string_view text) {
  if (text.size() != 64) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace forge::audit
