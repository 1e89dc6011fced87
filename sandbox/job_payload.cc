#include "sandbox/job_payload.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "absl/strings/str_cat.h"
#include "common/errno_status.h"
#include "common/status_macros.h"
#include "sandbox/wire.h"

namespace forge::sandbox {
namespace {

absl::Status WriteAll(int fd, absl::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return LastErrorStatus("write memfd");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<UniqueFd> MakeReadOnlyMemfd(absl::string_view name,
                                           absl::string_view data) {
  UniqueFd fd(::memfd_create(std::string(name).c_str(),
                             MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (!fd) return LastErrorStatus("memfd_create");
  FORGE_RETURN_IF_ERROR(WriteAll(fd.get(), data));
  if (::fcntl(fd.get(), F_ADD_SEALS,
              F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return LastErrorStatus("seal memfd");
  }
  // A fresh open file description: read-only, offset 0.
  UniqueFd read_only(::open(absl::StrCat("/proc/self/fd/", fd.get()).c_str(),
                            O_RDONLY | O_CLOEXEC));
  if (!read_only) return LastErrorStatus("reopen memfd read-only");
  return read_only;
}

absl::StatusOr<UniqueFd> WriteJobPayload(const JobSpec& job) {
  WireWriter w;
  w.PutStrings(job.argv);
  w.PutStrings(job.env);
  w.PutU32(static_cast<uint32_t>(job.files.size()));
  for (const InputFileSpec& file : job.files) {
    w.PutString(file.path);
    w.PutString(file.content);
    w.PutU32(file.mode);
  }
  w.PutStrings(job.output_files.patterns);
  w.PutU32(job.output_files.max_files);
  w.PutU64(job.output_files.max_file_bytes);
  return MakeReadOnlyMemfd("forge-job", w.data());
}

absl::StatusOr<JobSpec> ReadJobPayload(int fd, uint64_t max_bytes) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return LastErrorStatus("fstat job payload");
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return absl::InvalidArgumentError("job payload too large");
  }
  std::string data(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd, data.data() + done, data.size() - done,
                        static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return LastErrorStatus("read job payload");
    if (n == 0)
      return absl::InvalidArgumentError("job payload shorter than its size");
    done += static_cast<size_t>(n);
  }
  WireReader r(data);
  JobSpec job;
  FORGE_ASSIGN_OR_RETURN(job.argv, r.GetStrings());
  FORGE_ASSIGN_OR_RETURN(job.env, r.GetStrings());
  FORGE_ASSIGN_OR_RETURN(uint32_t file_count, r.GetU32());
  if (file_count > data.size() / 20)
    return absl::InvalidArgumentError("bad file count");
  for (uint32_t i = 0; i < file_count; ++i) {
    InputFileSpec file;
    FORGE_ASSIGN_OR_RETURN(file.path, r.GetString());
    FORGE_ASSIGN_OR_RETURN(file.content, r.GetString());
    FORGE_ASSIGN_OR_RETURN(file.mode, r.GetU32());
    job.files.push_back(std::move(file));
  }
  FORGE_ASSIGN_OR_RETURN(job.output_files.patterns, r.GetStrings());
  FORGE_ASSIGN_OR_RETURN(job.output_files.max_files, r.GetU32());
  FORGE_ASSIGN_OR_RETURN(job.output_files.max_file_bytes, r.GetU64());
  FORGE_RETURN_IF_ERROR(r.ExpectEnd());
  if (job.argv.empty()) return absl::InvalidArgumentError("job has no argv");
  return job;
}

}  // namespace forge::sandbox
