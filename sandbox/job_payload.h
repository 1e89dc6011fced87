// Bulk job data (argv, env, input files, stdin) travels from the server to a
// sandbox's init in memfds rather than in socket messages, so its size is
// bounded only by the server's request limits. The launcher forwards the
// descriptors without reading them.
#ifndef FORGE_SANDBOX_JOB_PAYLOAD_H_
#define FORGE_SANDBOX_JOB_PAYLOAD_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/unique_fd.h"
#include "sandbox/sandbox_spec.h"

namespace forge::sandbox {

// Serialises `job` into a new sealed memfd (read-only for whoever gets it).
absl::StatusOr<UniqueFd> WriteJobPayload(const JobSpec& job);

// Parses a payload written by WriteJobPayload, reading from offset 0.
// INVALID_ARGUMENT when malformed; at most `max_bytes` are read.
absl::StatusOr<JobSpec> ReadJobPayload(int fd, uint64_t max_bytes = 1ull << 30);

// A read-only descriptor whose content is `data`: a sealed memfd reopened
// O_RDONLY, suitable as a program's standard input (reads return the bytes,
// then EOF).
absl::StatusOr<UniqueFd> MakeReadOnlyMemfd(absl::string_view name,
                                           absl::string_view data);

}  // namespace forge::sandbox

#endif  // FORGE_SANDBOX_JOB_PAYLOAD_H_
