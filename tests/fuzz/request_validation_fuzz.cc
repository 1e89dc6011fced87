// libFuzzer target for request validation: the first gate every untrusted
// ExecuteRequest passes. The first byte picks the encoding the rest is read
// in (even: protobuf wire format, as gRPC delivers it; odd: text format, so
// seeds stay readable). Besides the sanitizers' checks it asserts the
// validator's contract: a refusal is INVALID_ARGUMENT with a message, and an
// accepted request resolves to limits within the configured maxima.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "google/protobuf/text_format.h"
#include "google/protobuf/util/time_util.h"
#include "server/config.h"
#include "server/request_validation.h"

namespace {

using forge::exec::v1::ExecuteRequest;
using forge::exec::v1::ServerConfig;

void Check(bool condition) {
  if (!condition) std::abort();
}

const ServerConfig& TheConfig() {
  static const ServerConfig* config = [] {
    auto loaded = forge::server::LoadConfigFromText("", "/opt/forge");
    Check(loaded.ok());
    return new ServerConfig(std::move(*loaded));
  }();
  return *config;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  ExecuteRequest request;
  const bool parsed =
      (data[0] & 1) == 0
          ? request.ParseFromString(body)
          : google::protobuf::TextFormat::ParseFromString(body, &request);
  if (!parsed) return 0;

  const ServerConfig& config = TheConfig();
  const absl::Status valid =
      forge::server::ValidateExecuteRequest(request, config);
  if (!valid.ok()) {
    Check(valid.code() == absl::StatusCode::kInvalidArgument);
    Check(!valid.message().empty());
    return 0;
  }
  const forge::server::EffectiveLimits limits =
      forge::server::ResolveLimits(request.limits(), config);
  using google::protobuf::util::TimeUtil;
  const auto& max = config.max_limits();
  Check(limits.sandbox.memory_bytes <= max.memory_bytes());
  Check(limits.sandbox.max_processes <= max.max_processes());
  Check(limits.max_output_bytes <= max.max_output_bytes());
  Check(absl::ToInt64Nanoseconds(limits.sandbox.wall_time) <=
        TimeUtil::DurationToNanoseconds(max.wall_time()));
  return 0;
}
