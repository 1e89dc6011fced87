// Status propagation helpers. Debian 12's abseil (20220623) ships no status
// macros, so these are ours.
//
//   FORGE_RETURN_IF_ERROR(DoThing());
//   FORGE_ASSIGN_OR_RETURN(UniqueFd fd, OpenFile(path));
#ifndef FORGE_COMMON_STATUS_MACROS_H_
#define FORGE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define FORGE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status forge_status_ = (expr);         \
    if (!forge_status_.ok()) return forge_status_; \
  } while (0)

#define FORGE_STATUS_CONCAT_INNER_(a, b) a##b
#define FORGE_STATUS_CONCAT_(a, b) FORGE_STATUS_CONCAT_INNER_(a, b)

#define FORGE_ASSIGN_OR_RETURN(lhs, expr) \
  FORGE_ASSIGN_OR_RETURN_IMPL_(           \
      FORGE_STATUS_CONCAT_(forge_statusor_, __LINE__), lhs, expr)

#define FORGE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr)  \
  auto statusor = (expr);                                  \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

#endif  // FORGE_COMMON_STATUS_MACROS_H_
