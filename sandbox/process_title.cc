#include "sandbox/process_title.h"

#include <sys/prctl.h>

#include <cstring>
#include <string>

#include "common/errno_status.h"

namespace forge::sandbox {
namespace {

char* area_start = nullptr;
size_t area_size = 0;

}  // namespace

void RememberArgumentArea(int argc, char** argv) {
  if (argc <= 0 || argv == nullptr || argv[0] == nullptr) return;
  // The kernel lays the strings out back to back: argv[0] up to the end of
  // the last one (with its NUL) is the whole area /proc/<pid>/cmdline shows.
  char* last = argv[argc - 1];
  area_start = argv[0];
  area_size = static_cast<size_t>(last + std::strlen(last) + 1 - argv[0]);
}

absl::Status SetProcessTitle(absl::string_view title) {
  if (area_start == nullptr || area_size < 2) {
    return absl::FailedPreconditionError(
        "the argument area was not remembered");
  }
  // The area's last byte stays non-zero: the kernel then reads cmdline as
  // a title (up to the first NUL) instead of the whole area, so neither the
  // blanked rest nor its length shows.
  const absl::string_view shown = title.substr(0, area_size - 2);
  std::memset(area_start, ' ', area_size);
  std::memcpy(area_start, shown.data(), shown.size());
  area_start[shown.size()] = '\0';
  const std::string comm(title.substr(0, 15));
  if (::prctl(PR_SET_NAME, comm.c_str(), 0, 0, 0) != 0)
    return LastErrorStatus("PR_SET_NAME");
  return absl::OkStatus();
}

}  // namespace forge::sandbox
