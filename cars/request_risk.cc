#include "cars/request_risk.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace forge::cars {
namespace {

constexpr double kFarAbove = 8.0;

double Seconds(const google::protobuf::Duration& d) {
  return static_cast<double>(d.seconds()) + d.nanos() / 1e9;
}

}  // namespace

void AddRequestRisk(const AssessmentInput& input,
                    const forge::exec::v1::Limits& defaults, Language language,
                    Evidence* out) {
  const Location request{0, 0, 0};
  if (input.network != forge::exec::v1::NETWORK_POLICY_UNSPECIFIED &&
      input.network != forge::exec::v1::NETWORK_POLICY_NONE) {
    out->detections.push_back(
        {"network_egress", language, request,
         absl::StrCat("network = ",
                      forge::exec::v1::NetworkPolicy_Name(input.network)),
         0});
  }
  const forge::exec::v1::Limits& asked = input.limits;
  struct Field {
    const char* name;
    double asked;
    double normal;
  };
  const Field fields[] = {
      {"wall_time", Seconds(asked.wall_time()), Seconds(defaults.wall_time())},
      {"cpu_time", Seconds(asked.cpu_time()), Seconds(defaults.cpu_time())},
      {"memory_bytes", static_cast<double>(asked.memory_bytes()),
       static_cast<double>(defaults.memory_bytes())},
      {"max_processes", static_cast<double>(asked.max_processes()),
       static_cast<double>(defaults.max_processes())},
      {"max_output_bytes", static_cast<double>(asked.max_output_bytes()),
       static_cast<double>(defaults.max_output_bytes())},
      {"max_file_bytes", static_cast<double>(asked.max_file_bytes()),
       static_cast<double>(defaults.max_file_bytes())},
      {"workspace_bytes", static_cast<double>(asked.workspace_bytes()),
       static_cast<double>(defaults.workspace_bytes())},
  };
  std::vector<std::string> above;
  double worst = 0;
  for (const Field& f : fields) {
    if (f.asked <= 0 || f.normal <= 0 || f.asked <= f.normal) continue;
    above.push_back(
        absl::StrFormat("%s %.4g× the default", f.name, f.asked / f.normal));
    worst = std::max(worst, f.asked / f.normal);
  }
  if (above.empty()) return;
  const std::string detail = absl::StrJoin(above, ", ");
  out->detections.push_back(
      {"limits_above_default", language, request, detail, 0});
  if (worst >= kFarAbove) {
    out->detections.push_back(
        {"limits_far_above_default", language, request, detail, 0});
  }
}

}  // namespace forge::cars
