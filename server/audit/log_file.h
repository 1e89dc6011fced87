// The layout of a log directory and the reading of one log file's bytes.
//
// A log is a sequence of files audit-<first sequence, 20 digits>.jsonl (so
// names sort in chain order); only the last one is ever appended to. A file
// is canonical lines (canonical.h), each ending in '\n'. A crash can leave a
// torn tail: bytes after the last '\n' that are the beginning of a line. A
// complete line that is not a valid record is corruption, never a torn tail.
// The active file may end in a run of NUL bytes: space reserved ahead of the
// records (log_storage.h), not part of any record. Records never contain a
// raw NUL (it is escaped as \u0000).
//
// Pure functions; thread-safe.
#ifndef FORGE_SERVER_AUDIT_LOG_FILE_H_
#define FORGE_SERVER_AUDIT_LOG_FILE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::audit {

// "audit-00000000000000000042.jsonl" for first_sequence 42.
std::string LogFileName(uint64_t first_sequence);
// The first sequence a log file name declares; nullopt for other names.
std::optional<uint64_t> ParseLogFileName(absl::string_view name);

// Where a line sits in its file.
struct LinePosition {
  uint64_t line = 0;    // 1-based
  uint64_t offset = 0;  // byte offset of the line's first byte
  uint64_t length = 0;  // bytes, including the '\n'
};

// What ScanLogBytes found.
struct ScannedLog {
  // Bytes of complete, valid lines (the offset just past the last '\n').
  uint64_t complete_bytes = 0;
  uint64_t lines = 0;
  // Bytes after the last '\n' that form the start of a record (a torn
  // write); 0 if the data ends with a complete line. They start at
  // complete_bytes.
  uint64_t torn_bytes = 0;
  // NUL bytes at the very end: space the writer reserved but has not used
  // yet (only ever in the active file).
  uint64_t padding_bytes = 0;
};

// A line that is not a valid record, with where it is.
struct BadLine {
  LinePosition position;
  absl::Status status;
};

// Calls `visit` for every complete line of `data`, in order, with the parsed
// record. Returns what it scanned, or:
//   DATA_LOSS with `*bad_line` filled if a complete line is not a canonical
//             record, or the bytes after the last '\n' are not the start of
//             one;
//   the first non-OK status `visit` returns (scanning stops there).
absl::StatusOr<ScannedLog> ScanLogBytes(
    absl::string_view data,
    absl::FunctionRef<absl::Status(const forge::exec::v1::AuditRecord&,
                                   const LinePosition&)>
        visit,
    BadLine* bad_line);

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_LOG_FILE_H_
