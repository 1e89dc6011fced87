// The one canonical serialisation of an AuditRecord and the hashes built on
// it (docs/AUDIT_FORMAT.md is the specification for third parties).
//
// A record is one JSON line with its keys in a fixed order:
//
//   {"sequence":7,"time":"2024-05-01T12:00:00.123456Z","type":"...",
//    "tenant":"...","principal":"...","execution_id":"...",
//    "session_id":"...","details":{<keys sorted bytewise>},
//    "prev_hash":"<64 hex>","hash":"<64 hex>"}
//
// Its body is the same text up to "details" (inclusive) closed with "}".
//   body_sha256 = hex(SHA-256(body))
//   hash        = hex(SHA-256(prev_hash || body_sha256))   (128 ASCII bytes)
// so a record can be re-hashed from its line, and a chain link can be checked
// from (prev_hash, body_sha256) without the record's content.
//
// All functions are pure and thread-safe.
#ifndef FORGE_SERVER_AUDIT_CANONICAL_H_
#define FORGE_SERVER_AUDIT_CANONICAL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::audit {

using ::forge::exec::v1::AuditRecord;
using ::forge::exec::v1::ChainHead;

// prev_hash of the first record of a chain: 64 zeros.
inline constexpr absl::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";

// Conversions between absl::Time and the records' Timestamp; ToTimestamp
// truncates to whole microseconds, the precision of the canonical form.
google::protobuf::Timestamp ToTimestamp(absl::Time time);
absl::Time FromTimestamp(const google::protobuf::Timestamp& timestamp);

// RFC 3339 UTC with exactly six fractional digits: 2024-05-01T12:00:00.123456Z.
// Sub-microsecond parts are truncated.
std::string FormatAuditTime(absl::Time time);
// Inverse of FormatAuditTime; INVALID_ARGUMENT unless `text` is exactly in
// that form.
absl::StatusOr<absl::Time> ParseAuditTime(absl::string_view text);

// The record's body (the hashed part, without prev_hash and hash).
std::string CanonicalBody(const AuditRecord& record);
// The whole line, without the trailing newline.
std::string CanonicalLine(const AuditRecord& record);
// hex(SHA-256(prev_hash || body_sha256)).
std::string ChainHash(absl::string_view prev_hash,
                      absl::string_view body_sha256);
// The hash `record` must carry, recomputed from its content and prev_hash.
std::string ComputeRecordHash(const AuditRecord& record);

// Sets record->prev_hash and record->hash and returns its canonical line with
// the trailing newline: what the log appends.
std::string SealRecord(absl::string_view prev_hash, AuditRecord* record);

// Replaces every invalid UTF-8 sequence in the record's strings (ids, type,
// details) with U+FFFD, so the record can be serialised canonically.
void SanitizeUtf8(AuditRecord* record);

// Parses one line (without its newline) of a log file, strictly: the text
// must be exactly CanonicalLine() of the record it describes.
//   OUT_OF_RANGE      the text ends early but is a prefix of a well-formed
//                     line (what a write cut short by a crash leaves)
//   INVALID_ARGUMENT  anything else that is not canonical, with the column
absl::StatusOr<AuditRecord> ParseCanonicalLine(absl::string_view line);

// The message an Ed25519 chain-head signature covers:
//   "forge-exec audit chain head v1\nsequence=<n>\nhash=<hex>\n"
//   "signed_at=<FormatAuditTime>\n"
std::string CanonicalHead(const ChainHead& head);

// Whether `text` is 64 lowercase hex digits.
bool IsHashHex(absl::string_view text);

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_CANONICAL_H_
