// Lets fmt (and so spdlog) format absl::string_view, which Debian's abseil
// defines as its own type rather than an alias of std::string_view.
#ifndef FORGE_COMMON_FMT_ABSL_H_
#define FORGE_COMMON_FMT_ABSL_H_

#include <string_view>

#include "absl/strings/string_view.h"
#include "fmt/format.h"

template <>
struct fmt::formatter<absl::string_view> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(absl::string_view value, FormatContext& context) const {
    return fmt::formatter<std::string_view>::format(
        std::string_view(value.data(), value.size()), context);
  }
};

#endif  // FORGE_COMMON_FMT_ABSL_H_
