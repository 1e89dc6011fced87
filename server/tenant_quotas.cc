#include "server/tenant_quotas.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"

namespace forge::server {
namespace {

using ::forge::exec::v1::Limits;
using ::forge::exec::v1::TenantQuota;
using ::google::protobuf::util::TimeUtil;

constexpr char kRetryAfterPayload[] = "type.forge.dev/retry_after_ms";
constexpr char kWildcard[] = "*";

absl::Status Exhausted(absl::string_view why, absl::Duration retry_after) {
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(retry_after, absl::Seconds(1))));
  absl::Status status = absl::ResourceExhaustedError(
      absl::StrCat(why, "; retry in ", seconds, "s"));
  status.SetPayload(
      kRetryAfterPayload,
      absl::Cord(absl::StrCat(absl::ToInt64Milliseconds(retry_after))));
  return status;
}

absl::Status OverTenantMax(absl::string_view tenant, absl::string_view field,
                           const std::string& value,
                           const std::string& maximum) {
  return absl::InvalidArgumentError(absl::StrCat(
      "limits.", field, ": ", value, " is above the maximum of tenant ", tenant,
      " (", maximum, ")"));
}

}  // namespace

TenantQuotas::Lease& TenantQuotas::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    owner_ = std::exchange(other.owner_, nullptr);
    tenant_ = std::move(other.tenant_);
  }
  return *this;
}

void TenantQuotas::Lease::Release() {
  if (owner_ == nullptr) return;
  std::exchange(owner_, nullptr)->Return(tenant_);
}

absl::StatusOr<std::unique_ptr<TenantQuotas>> TenantQuotas::Create(
    const google::protobuf::RepeatedPtrField<TenantQuota>& quotas,
    const Clock& clock) {
  std::unique_ptr<TenantQuotas> result(new TenantQuotas(clock));
  for (int i = 0; i < quotas.size(); ++i) {
    const TenantQuota& quota = quotas[i];
    if (quota.tenant().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tenant_quotas[", i, "].tenant: required (a tenant or \"*\")"));
    }
    if (!result->quotas_.emplace(quota.tenant(), quota).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("tenant_quotas[", i, "].tenant: \"", quota.tenant(),
                       "\" has an earlier entry"));
    }
  }
  return result;
}

const TenantQuota* TenantQuotas::QuotaFor(absl::string_view tenant) const {
  auto it = quotas_.find(tenant);
  if (it == quotas_.end()) it = quotas_.find(kWildcard);
  return it == quotas_.end() ? nullptr : &it->second;
}

absl::Status TenantQuotas::ApplyLimits(absl::string_view tenant,
                                       const Limits& defaults,
                                       Limits* requested) const {
  const TenantQuota* quota = QuotaFor(tenant);
  if (quota == nullptr || !quota->has_max_limits()) return absl::OkStatus();
  const Limits& max = quota->max_limits();
  for (auto [name, value, fallback, maximum] :
       {std::tuple{"wall_time", requested->mutable_wall_time(),
                   &defaults.wall_time(), &max.wall_time()},
        std::tuple{"cpu_time", requested->mutable_cpu_time(),
                   &defaults.cpu_time(), &max.cpu_time()}}) {
    const int64_t cap = TimeUtil::DurationToNanoseconds(*maximum);
    if (cap <= 0) continue;
    const int64_t asked = TimeUtil::DurationToNanoseconds(*value);
    if (asked > cap) {
      return OverTenantMax(tenant, name, TimeUtil::ToString(*value),
                           TimeUtil::ToString(*maximum));
    }
    if (asked == 0 && TimeUtil::DurationToNanoseconds(*fallback) > cap) {
      *value = *maximum;
    }
  }
  auto cap_uint = [&](absl::string_view name, uint64_t value, uint64_t fallback,
                      uint64_t maximum, auto set) -> absl::Status {
    if (maximum == 0) return absl::OkStatus();
    if (value > maximum) {
      return OverTenantMax(tenant, name, absl::StrCat(value),
                           absl::StrCat(maximum));
    }
    if (value == 0 && fallback > maximum) set(maximum);
    return absl::OkStatus();
  };
  Limits* r = requested;
  for (absl::Status status : {
           cap_uint("memory_bytes", r->memory_bytes(), defaults.memory_bytes(),
                    max.memory_bytes(),
                    [r](uint64_t v) { r->set_memory_bytes(v); }),
           cap_uint("max_processes", r->max_processes(),
                    defaults.max_processes(), max.max_processes(),
                    [r](uint64_t v) {
                      r->set_max_processes(static_cast<uint32_t>(v));
                    }),
           cap_uint("max_output_bytes", r->max_output_bytes(),
                    defaults.max_output_bytes(), max.max_output_bytes(),
                    [r](uint64_t v) { r->set_max_output_bytes(v); }),
           cap_uint("max_file_bytes", r->max_file_bytes(),
                    defaults.max_file_bytes(), max.max_file_bytes(),
                    [r](uint64_t v) { r->set_max_file_bytes(v); }),
           cap_uint("workspace_bytes", r->workspace_bytes(),
                    defaults.workspace_bytes(), max.workspace_bytes(),
                    [r](uint64_t v) { r->set_workspace_bytes(v); }),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<TenantQuotas::Lease> TenantQuotas::Admit(
    absl::string_view tenant) {
  const TenantQuota* quota = QuotaFor(tenant);
  if (quota == nullptr ||
      (quota->max_concurrent() == 0 && quota->max_per_minute() == 0)) {
    return Lease();
  }
  const absl::Time now = clock_.Now();
  absl::MutexLock lock(&mutex_);
  Counters& counters = counters_[tenant];
  if (quota->max_concurrent() > 0 &&
      counters.running >= quota->max_concurrent()) {
    return Exhausted(
        absl::StrCat("tenant ", tenant, " already runs ", counters.running,
                     " executions, its max_concurrent"),
        absl::Seconds(1));
  }
  if (quota->max_per_minute() > 0) {
    const double capacity = quota->max_per_minute();
    const double per_second = capacity / 60.0;
    if (counters.refilled == absl::InfinitePast()) {
      counters.tokens = capacity;
    } else if (now > counters.refilled) {
      counters.tokens = std::min(
          capacity,
          counters.tokens +
              absl::ToDoubleSeconds(now - counters.refilled) * per_second);
    }
    counters.refilled = std::max(counters.refilled, now);
    if (counters.tokens < 1.0) {
      return Exhausted(absl::StrCat("tenant ", tenant, " started its ",
                                    quota->max_per_minute(),
                                    " executions per minute (max_per_minute)"),
                       absl::Seconds((1.0 - counters.tokens) / per_second));
    }
    counters.tokens -= 1.0;
  }
  ++counters.running;
  return Lease(this, std::string(tenant));
}

void TenantQuotas::Return(const std::string& tenant) {
  absl::MutexLock lock(&mutex_);
  auto it = counters_.find(tenant);
  if (it != counters_.end() && it->second.running > 0) --it->second.running;
}

uint32_t TenantQuotas::running(absl::string_view tenant) const {
  absl::MutexLock lock(&mutex_);
  auto it = counters_.find(tenant);
  return it == counters_.end() ? 0 : it->second.running;
}

absl::optional<absl::Duration> TenantQuotas::RetryAfter(
    const absl::Status& status) {
  absl::optional<absl::Cord> payload = status.GetPayload(kRetryAfterPayload);
  int64_t ms = 0;
  if (!payload.has_value() || !absl::SimpleAtoi(std::string(*payload), &ms)) {
    return absl::nullopt;
  }
  return absl::Milliseconds(ms);
}

grpc::Status TenantQuotas::ToGrpcStatusWithRetryHint(
    const absl::Status& status, grpc::ServerContextBase& call) {
  if (absl::optional<absl::Duration> retry = RetryAfter(status)) {
    const int64_t seconds = std::max<int64_t>(
        1, absl::ToInt64Seconds(absl::Ceil(*retry, absl::Seconds(1))));
    call.AddTrailingMetadata("retry-after", absl::StrCat(seconds));
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

}  // namespace forge::server
