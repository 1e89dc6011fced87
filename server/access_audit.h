// AccessAudit: puts every refused call (UNAUTHENTICATED, PERMISSION_DENIED,
// NOT_FOUND for another tenant's data) in the audit trail as an
// `access_denied` record: the RPC, the status (its code name), the reason (the
// refusal's message, which never contains a credential), the peer address,
// and the tenant and principal when the caller is known.
//
// A flood of refused calls must not become a flood of audit writes: records
// are queued (AuditLog::Append never waits for the disk) and limited to a
// token bucket of `per_second` records with bursts of `burst`; refusals over
// the limit are counted, and the next record written says how many were
// left out (details.suppressed). Refusals the log itself refuses (its queue
// full, the log down) are counted the same way.
//
// Thread-safe.
#ifndef FORGE_SERVER_ACCESS_AUDIT_H_
#define FORGE_SERVER_ACCESS_AUDIT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/clock.h"
#include "server/audit/audit_log.h"
#include "server/audit/record_types.h"
#include "server/auth/caller.h"

namespace forge::server {

class AccessAudit {
 public:
  // `log` and `clock` must outlive this.
  AccessAudit(audit::AuditLog& log, const Clock& clock, double per_second = 50,
              double burst = 200)
      : log_(log), clock_(clock), per_second_(per_second), burst_(burst) {}

  // Queues the access_denied record of one refused call of `rpc` from
  // `peer`; `caller` is null when the call was not authenticated. `extra`
  // adds details (e.g. the id that was asked for). Never blocks on I/O.
  void Denied(absl::string_view rpc, absl::string_view peer,
              const auth::Caller* caller, const absl::Status& refusal,
              const std::map<std::string, std::string>& extra = {});

  // Refusals left out of the trail so far (over the rate, or refused by the
  // log), not yet reported by a later record.
  uint64_t suppressed() const;

 private:
  audit::AuditLog& log_;
  const Clock& clock_;
  const double per_second_;
  const double burst_;
  mutable absl::Mutex mutex_;
  double tokens_ ABSL_GUARDED_BY(mutex_) = -1;  // < 0: not started
  absl::Time refilled_ ABSL_GUARDED_BY(mutex_);
  uint64_t suppressed_ ABSL_GUARDED_BY(mutex_) = 0;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_ACCESS_AUDIT_H_
