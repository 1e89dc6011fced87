// TenantQuotas: per-tenant caps on executions (config `tenant_quotas`):
// how many of a tenant's executions may be in flight at once, how many it
// may start per minute (a token bucket refilled continuously), and the
// largest limits its requests may ask for.
//
//   FORGE_RETURN_IF_ERROR(quotas.ApplyLimits(tenant, defaults, &limits));
//   FORGE_ASSIGN_OR_RETURN(TenantQuotas::Lease lease, quotas.Admit(tenant));
//   ...  // the execution runs; destroying or Release()ing the lease ends it
//
// A tenant without an entry of its own gets the "*" entry, with counters of
// its own; without either it is not capped. Thread-safe.
#ifndef FORGE_SERVER_TENANT_QUOTAS_H_
#define FORGE_SERVER_TENANT_QUOTAS_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "common/clock.h"
#include "forge/exec/v1/config.pb.h"
#include "google/protobuf/repeated_field.h"
#include "grpcpp/server_context.h"
#include "grpcpp/support/status.h"

namespace forge::server {

class TenantQuotas {
 public:
  // Holds one of a tenant's concurrent-execution slots until destroyed or
  // Release()d. Movable; a default-constructed Lease holds nothing.
  class Lease {
   public:
    Lease() = default;
    Lease(Lease&& other) noexcept { *this = std::move(other); }
    Lease& operator=(Lease&& other) noexcept;
    ~Lease() { Release(); }
    // Returns the slot (once; later calls do nothing).
    void Release();

   private:
    friend class TenantQuotas;
    Lease(TenantQuotas* owner, std::string tenant)
        : owner_(owner), tenant_(std::move(tenant)) {}
    TenantQuotas* owner_ = nullptr;
    std::string tenant_;
  };

  // INVALID_ARGUMENT naming the entry for an empty or repeated tenant.
  // `clock` must outlive the quotas, as must every Lease.
  static absl::StatusOr<std::unique_ptr<TenantQuotas>> Create(
      const google::protobuf::RepeatedPtrField<forge::exec::v1::TenantQuota>&
          quotas,
      const Clock& clock);

  // Checks `requested` against the tenant's max_limits: a field set above
  // the tenant's maximum is INVALID_ARGUMENT whose message starts with
  // "limits.<field>". A field left unset whose server default (`defaults`)
  // is above the tenant's maximum is set to that maximum, so the execution
  // runs within the tenant's caps.
  absl::Status ApplyLimits(absl::string_view tenant,
                           const forge::exec::v1::Limits& defaults,
                           forge::exec::v1::Limits* requested) const;

  // Takes a concurrency slot and a start from the per-minute bucket, or
  // neither: RESOURCE_EXHAUSTED saying which cap and when to retry, with the
  // wait attached (RetryAfter reads it).
  absl::StatusOr<Lease> Admit(absl::string_view tenant);

  // The retry hint Admit attached to `status`, if any.
  static absl::optional<absl::Duration> RetryAfter(const absl::Status& status);

  // `status` as a gRPC status; a retry hint becomes the trailing metadata
  // `retry-after` (whole seconds, at least 1) on `call`.
  static grpc::Status ToGrpcStatusWithRetryHint(const absl::Status& status,
                                                grpc::ServerContextBase& call);

  // Executions of `tenant` holding a slot now.
  uint32_t running(absl::string_view tenant) const;

 private:
  struct Counters {
    uint32_t running = 0;
    double tokens = 0;  // starts left in the per-minute bucket
    absl::Time refilled = absl::InfinitePast();
  };

  TenantQuotas(const Clock& clock) : clock_(clock) {}
  // The entry that applies to `tenant`, or null.
  const forge::exec::v1::TenantQuota* QuotaFor(absl::string_view tenant) const;
  void Return(const std::string& tenant);

  const Clock& clock_;
  absl::flat_hash_map<std::string, forge::exec::v1::TenantQuota> quotas_;
  mutable absl::Mutex mutex_;
  absl::flat_hash_map<std::string, Counters> counters_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace forge::server

#endif  // FORGE_SERVER_TENANT_QUOTAS_H_
