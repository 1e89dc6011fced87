#include "server/audit/log_storage.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/unique_fd.h"

namespace forge::audit {
namespace {

// Appends into space it has already filled with zeros and made part of the
// file, so the fdatasync that commits an append writes data blocks only and
// need not commit a new file size to the journal (the dominant cost of an
// fsync'd append on ext4). Bytes past size() are NULs until Truncate().
class PosixAppendFile : public AppendFile {
 public:
  PosixAppendFile(std::string path, UniqueFd fd, uint64_t size)
      : path_(std::move(path)),
        fd_(std::move(fd)),
        size_(size),
        zeroed_end_(size) {}

  absl::Status Append(absl::string_view data) override {
    if (size_ + data.size() > zeroed_end_) {
      absl::Status zeroed = ZeroFill(size_ + data.size());
      if (!zeroed.ok()) return zeroed;
    }
    return WriteAt(size_, data, &size_);
  }

  absl::Status Sync() override {
    if (fdatasync(fd_.get()) != 0) {
      return LastErrorStatus(absl::StrCat("fdatasync ", path_));
    }
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (ftruncate(fd_.get(), static_cast<off_t>(size)) != 0) {
      return LastErrorStatus(absl::StrCat("truncate ", path_));
    }
    size_ = size;
    zeroed_end_ = size;
    return absl::OkStatus();
  }

  uint64_t size() const override { return size_; }

 private:
  static constexpr uint64_t kZeroChunk = 1 << 20;

  // Writes `data` at `offset`; *end advances as bytes land.
  absl::Status WriteAt(uint64_t offset, absl::string_view data, uint64_t* end) {
    while (!data.empty()) {
      ssize_t n = pwrite(fd_.get(), data.data(), data.size(),
                         static_cast<off_t>(offset));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return LastErrorStatus(absl::StrCat("write ", path_));
      offset += static_cast<uint64_t>(n);
      *end = offset;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return absl::OkStatus();
  }

  // Extends the zero-filled space to cover `end`, a chunk at a time. On
  // failure (a full disk) nothing of the record has been written yet.
  absl::Status ZeroFill(uint64_t end) {
    static const std::string* const zeros = new std::string(kZeroChunk, '\0');
    const uint64_t target = (end / kZeroChunk + 1) * kZeroChunk;
    while (zeroed_end_ < target) {
      const uint64_t n = std::min<uint64_t>(kZeroChunk, target - zeroed_end_);
      absl::Status written = WriteAt(
          zeroed_end_, absl::string_view(*zeros).substr(0, n), &zeroed_end_);
      if (!written.ok()) return written;
    }
    return absl::OkStatus();
  }

  std::string path_;
  UniqueFd fd_;
  uint64_t size_;
  uint64_t zeroed_end_;
};

std::string DirName(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

class PosixLogStorage : public LogStorage {
 public:
  absl::Status CreateDir(const std::string& dir) override {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return LastErrorStatus(absl::StrCat("mkdir ", dir));
    }
    struct stat st;
    if (stat(dir.c_str(), &st) != 0) {
      return LastErrorStatus(absl::StrCat("stat ", dir));
    }
    if (!S_ISDIR(st.st_mode)) {
      return absl::FailedPreconditionError(
          absl::StrCat(dir, " is not a directory"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<std::string>> ListDir(
      const std::string& dir) override {
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return LastErrorStatus(absl::StrCat("open ", dir));
    DIR* d = fdopendir(fd.get());
    if (d == nullptr) return LastErrorStatus(absl::StrCat("opendir ", dir));
    fd.Release();
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* entry = readdir(d)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    const int read_errno = errno;
    closedir(d);
    if (read_errno != 0) {
      errno = read_errno;
      return LastErrorStatus(absl::StrCat("readdir ", dir));
    }
    return names;
  }

  absl::StatusOr<std::unique_ptr<AppendFile>> OpenAppend(
      const std::string& path) override {
    UniqueFd fd(
        open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) return LastErrorStatus(absl::StrCat("open ", path));
    struct stat st;
    if (fstat(fd.get(), &st) != 0) {
      return LastErrorStatus(absl::StrCat("stat ", path));
    }
    return std::make_unique<PosixAppendFile>(path, std::move(fd),
                                             static_cast<uint64_t>(st.st_size));
  }

  absl::StatusOr<std::string> Read(const std::string& path, uint64_t offset,
                                   uint64_t length) override {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return LastErrorStatus(absl::StrCat("open ", path));
    std::string data;
    constexpr uint64_t kChunk = 1 << 20;
    while (data.size() < length) {
      const uint64_t want = std::min<uint64_t>(kChunk, length - data.size());
      const size_t old_size = data.size();
      data.resize(old_size + want);
      ssize_t n = pread(fd.get(), data.data() + old_size, want,
                        static_cast<off_t>(offset + old_size));
      if (n < 0 && errno == EINTR) {
        data.resize(old_size);
        continue;
      }
      if (n < 0) return LastErrorStatus(absl::StrCat("read ", path));
      data.resize(old_size + static_cast<size_t>(n));
      if (n == 0) break;
    }
    return data;
  }

  absl::Status WriteFileAtomically(const std::string& path,
                                   absl::string_view data,
                                   mode_t mode) override {
    const std::string tmp = absl::StrCat(path, ".tmp");
    {
      UniqueFd fd(open(tmp.c_str(),
                       O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                       mode));
      if (!fd) return LastErrorStatus(absl::StrCat("create ", tmp));
      if (fchmod(fd.get(), mode) != 0) {
        return LastErrorStatus(absl::StrCat("chmod ", tmp));
      }
      PosixAppendFile file(tmp, std::move(fd), 0);
      absl::Status status = file.Append(data);
      if (status.ok()) status = file.Truncate(file.size());  // no padding
      if (status.ok()) status = file.Sync();
      if (!status.ok()) {
        unlink(tmp.c_str());
        return status;
      }
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) {
      return LastErrorStatus(absl::StrCat("rename ", tmp, " to ", path));
    }
    return SyncDir(DirName(path));
  }

  absl::Status SyncDir(const std::string& dir) override {
    UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd || fsync(fd.get()) != 0) {
      return LastErrorStatus(absl::StrCat("fsync directory ", dir));
    }
    return absl::OkStatus();
  }
};

}  // namespace

LogStorage& LogStorage::Posix() {
  static PosixLogStorage* const storage = new PosixLogStorage();
  return *storage;
}

}  // namespace forge::audit
