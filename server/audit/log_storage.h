// LogStorage is every file operation the audit log performs, behind one small
// interface so tests can inject disk faults (a full disk, a failing fsync)
// and check that the log fails closed. LogStorage::Posix() is the real one.
#ifndef FORGE_SERVER_AUDIT_LOG_STORAGE_H_
#define FORGE_SERVER_AUDIT_LOG_STORAGE_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace forge::audit {

// A file the log appends to. Not thread-safe: the log's writer thread is its
// only user. An implementation may reserve space past size() by writing NUL
// bytes there (the real one does, to make fsyncs cheaper); readers treat a
// run of NULs at the end of the active file as unused space, and
// Truncate(size()) removes it.
class AppendFile {
 public:
  virtual ~AppendFile() = default;
  // Writes all of `data` at the current end. On failure some prefix of
  // `data` may have reached the file; Truncate() takes it back.
  virtual absl::Status Append(absl::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Cuts the file to `size` bytes; later appends continue there.
  virtual absl::Status Truncate(uint64_t size) = 0;
  // The current end (bytes).
  virtual uint64_t size() const = 0;
};

// Thread-safe (implementations hold no mutable state, or lock it).
class LogStorage {
 public:
  virtual ~LogStorage() = default;

  // Creates `dir` (mode 0700) if it does not exist.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  // Names of the entries of `dir` (no "." or "..").
  virtual absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) = 0;
  // Opens `path` for appending, creating it (mode 0600) if missing. Appends
  // continue at the file's current size (including any NUL padding; callers
  // Truncate() to the end they know first).
  virtual absl::StatusOr<std::unique_ptr<AppendFile>> OpenAppend(
      const std::string& path) = 0;
  // `length` bytes of `path` from `offset` (fewer at the end of the file).
  virtual absl::StatusOr<std::string> Read(const std::string& path,
                                           uint64_t offset,
                                           uint64_t length) = 0;
  // Replaces `path` with `data` atomically (temporary file, fsync, rename,
  // directory fsync), with permission bits `mode`.
  virtual absl::Status WriteFileAtomically(const std::string& path,
                                           absl::string_view data,
                                           mode_t mode) = 0;
  // Makes the directory's entries (created, renamed files) durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;

  // The real file system. Never null; lives forever.
  static LogStorage& Posix();
};

}  // namespace forge::audit

#endif  // FORGE_SERVER_AUDIT_LOG_STORAGE_H_
