// Caller: who is behind one RPC — the tenant whose data it may touch, the
// principal named in audit records and approvals, and the roles that decide
// which RPCs it may call. Produced by an Authenticator for every call and
// passed by value to everything that acts for the call.
#ifndef FORGE_SERVER_AUTH_CALLER_H_
#define FORGE_SERVER_AUTH_CALLER_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace forge::server::auth {

// Roles are bits so a caller can hold several. kAdmin implies every other.
enum class Role : uint32_t {
  kExecutor = 1u << 0,  // Execute, Assess, ListRuntimes
  kApprover = 1u << 1,  // ListApprovals, DecideApproval
  kAuditor = 1u << 2,   // GetEvidence
  kAdmin = 1u << 3,     // everything
};

// "executor", "approver", "auditor", "admin"; nullopt for anything else.
absl::optional<Role> ParseRole(absl::string_view name);
absl::string_view RoleName(Role role);

struct Caller {
  // Non-empty. Every tenant-scoped lookup (approvals, evidence) keys off it.
  std::string tenant;
  // Non-empty; the name recorded in audit records and approvals.
  std::string principal;
  // Bit set of Role values.
  uint32_t roles = 0;

  bool Has(Role role) const {
    return (roles & (static_cast<uint32_t>(role) |
                     static_cast<uint32_t>(Role::kAdmin))) != 0;
  }
};

// The caller of every RPC when authentication is off (loopback only): the
// tenant "default", principal "anonymous", every role.
Caller AnonymousCaller();

}  // namespace forge::server::auth

#endif  // FORGE_SERVER_AUTH_CALLER_H_
