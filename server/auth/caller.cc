#include "server/auth/caller.h"

namespace forge::server::auth {

absl::optional<Role> ParseRole(absl::string_view name) {
  if (name == "executor") return Role::kExecutor;
  if (name == "approver") return Role::kApprover;
  if (name == "auditor") return Role::kAuditor;
  if (name == "admin") return Role::kAdmin;
  return absl::nullopt;
}

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kExecutor:
      return "executor";
    case Role::kApprover:
      return "approver";
    case Role::kAuditor:
      return "auditor";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

Caller AnonymousCaller() {
  return Caller{"default", "anonymous", static_cast<uint32_t>(Role::kAdmin)};
}

}  // namespace forge::server::auth
