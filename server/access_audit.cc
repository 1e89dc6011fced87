#include "server/access_audit.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace forge::server {

void AccessAudit::Denied(absl::string_view rpc, absl::string_view peer,
                         const auth::Caller* caller,
                         const absl::Status& refusal,
                         const std::map<std::string, std::string>& extra) {
  uint64_t suppressed = 0;
  {
    const absl::Time now = clock_.Now();
    absl::MutexLock lock(&mutex_);
    if (tokens_ < 0) {
      tokens_ = burst_;
    } else if (now > refilled_) {
      tokens_ =
          std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - refilled_) *
                                         per_second_);
    }
    refilled_ = std::max(refilled_, now);
    if (tokens_ < 1.0) {
      ++suppressed_;
      return;
    }
    tokens_ -= 1.0;
    suppressed = std::exchange(suppressed_, 0);
  }
  forge::exec::v1::AuditRecord record;
  record.set_type(audit::kAccessDenied);
  if (caller != nullptr) {
    record.set_tenant(caller->tenant);
    record.set_principal(caller->principal);
  }
  auto& details = *record.mutable_details();
  for (const auto& [key, value] : extra) details[key] = value;
  details["rpc"] = std::string(rpc);
  details["status"] = absl::StatusCodeToString(refusal.code());
  details["reason"] = std::string(refusal.message());
  details["peer"] = std::string(peer);
  if (suppressed > 0) details["suppressed"] = absl::StrCat(suppressed);
  absl::Status queued = log_.Append(
      std::move(record), [](absl::StatusOr<forge::exec::v1::AuditRecord>) {});
  if (!queued.ok()) {
    absl::MutexLock lock(&mutex_);
    suppressed_ += 1 + suppressed;
  }
}

uint64_t AccessAudit::suppressed() const {
  absl::MutexLock lock(&mutex_);
  return suppressed_;
}

}  // namespace forge::server
