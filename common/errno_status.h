// errno → absl::Status. abseil's absl::ErrnoToStatus(errno, context) does the
// mapping (ENOENT → NOT_FOUND, EACCES → PERMISSION_DENIED, ...) and formats
// "context: strerror"; LastErrorStatus reads errno at the call so call sites
// stay one line:
//
//   if (fd < 0) return LastErrorStatus(absl::StrCat("open ", path));
#ifndef FORGE_COMMON_ERRNO_STATUS_H_
#define FORGE_COMMON_ERRNO_STATUS_H_

#include <cerrno>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace forge {

inline absl::Status LastErrorStatus(absl::string_view context) {
  return absl::ErrnoToStatus(errno, context);
}

}  // namespace forge

#endif  // FORGE_COMMON_ERRNO_STATUS_H_
