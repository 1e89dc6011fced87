// Helpers shared by the audit tests: execution step records, temporary
// directories, whole-file I/O, and FaultyStorage, a LogStorage that fails or
// stalls on command.
#ifndef FORGE_TESTS_AUDIT_AUDIT_TEST_UTIL_H_
#define FORGE_TESTS_AUDIT_AUDIT_TEST_UTIL_H_

#include <dirent.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "forge/exec/v1/execution.pb.h"
#include "server/audit/log_file.h"
#include "server/audit/log_storage.h"
#include "server/audit/record_types.h"

namespace forge::audit::testing {

// A record of one step of `execution`, as the server makes it; the log fills
// in sequence, time, hashes and the record number.
inline forge::exec::v1::AuditRecord Step(const std::string& type,
                                         const std::string& execution,
                                         const std::string& tenant = "acme") {
  forge::exec::v1::AuditRecord r;
  r.set_type(type);
  r.set_tenant(tenant);
  r.set_principal("agent");
  r.set_execution_id(execution);
  r.set_session_id("session-1");
  (*r.mutable_details())[kCodeSha256] = std::string(64, 'c');
  return r;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl =
        std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") +
        "/audit_test.XXXXXX";
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::system(("rm -rf '" + path_ + "'").c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline void WriteFile(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
}

// Full paths of the audit-*.jsonl files in `dir`, in name order.
inline std::vector<std::string> LogFiles(const std::string& dir) {
  std::vector<std::string> paths;
  if (DIR* d = opendir(dir.c_str())) {
    while (struct dirent* entry = readdir(d)) {
      if (ParseLogFileName(entry->d_name)) {
        paths.push_back(dir + "/" + entry->d_name);
      }
    }
    closedir(d);
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

// A LogStorage over the real file system whose appends and syncs can be made
// to fail (as on a full disk) or to wait until released.
class FaultyStorage : public LogStorage {
 public:
  std::atomic<bool> fail_append{false};
  std::atomic<bool> fail_sync{false};
  // Read() calls so far.
  std::atomic<int> reads{0};

  // While held, Sync() blocks.
  void HoldSyncs() {
    absl::MutexLock lock(&mutex_);
    held_ = true;
  }
  void ReleaseSyncs() {
    absl::MutexLock lock(&mutex_);
    held_ = false;
  }
  int syncs_waiting() {
    absl::MutexLock lock(&mutex_);
    return waiting_;
  }

  absl::Status CreateDir(const std::string& dir) override {
    return real().CreateDir(dir);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    return real().ListDir(dir);
  }
  absl::StatusOr<std::unique_ptr<AppendFile>> OpenAppend(
      const std::string& path) override {
    auto file = real().OpenAppend(path);
    if (!file.ok()) return file.status();
    return std::unique_ptr<AppendFile>(new File(this, std::move(*file)));
  }
  absl::StatusOr<std::string> Read(const std::string& path, uint64_t offset,
                                   uint64_t length) override {
    ++reads;
    return real().Read(path, offset, length);
  }
  absl::Status WriteFileAtomically(const std::string& path,
                                   absl::string_view data,
                                   mode_t mode) override {
    return real().WriteFileAtomically(path, data, mode);
  }
  absl::Status SyncDir(const std::string& dir) override {
    return real().SyncDir(dir);
  }

 private:
  class File : public AppendFile {
   public:
    File(FaultyStorage* owner, std::unique_ptr<AppendFile> file)
        : owner_(owner), file_(std::move(file)) {}
    absl::Status Append(absl::string_view data) override {
      if (owner_->fail_append) {
        // A full disk takes part of the write before refusing the rest.
        file_->Append(data.substr(0, data.size() / 2)).IgnoreError();
        return absl::ResourceExhaustedError("write: No space left on device");
      }
      return file_->Append(data);
    }
    absl::Status Sync() override {
      {
        absl::MutexLock lock(&owner_->mutex_);
        ++owner_->waiting_;
        owner_->mutex_.Await(absl::Condition(
            +[](bool* held) { return !*held; }, &owner_->held_));
        --owner_->waiting_;
      }
      if (owner_->fail_sync) {
        return absl::DataLossError("fdatasync: Input/output error");
      }
      return file_->Sync();
    }
    absl::Status Truncate(uint64_t size) override {
      return file_->Truncate(size);
    }
    uint64_t size() const override { return file_->size(); }

   private:
    FaultyStorage* owner_;
    std::unique_ptr<AppendFile> file_;
  };

  static LogStorage& real() { return LogStorage::Posix(); }

  absl::Mutex mutex_;
  bool held_ = false;
  int waiting_ = 0;
};

}  // namespace forge::audit::testing

#endif  // FORGE_TESTS_AUDIT_AUDIT_TEST_UTIL_H_
