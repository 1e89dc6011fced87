// Risk carried by request options rather than code: network access other
// than NONE, and limits above the defaults (CARS_TARGET_REQUEST rules).
#ifndef FORGE_CARS_REQUEST_RISK_H_
#define FORGE_CARS_REQUEST_RISK_H_

#include "cars/assessor.h"
#include "cars/evidence.h"
#include "forge/exec/v1/execution.pb.h"

namespace forge::cars {

// Appends "network_egress", "limits_above_default" and (for any limit at
// least 8x its default) "limits_far_above_default" detections, located at
// line 0 (not in the code). Unset fields, here or in `defaults`, are not
// compared.
void AddRequestRisk(const AssessmentInput& input,
                    const forge::exec::v1::Limits& defaults, Language language,
                    Evidence* out);

}  // namespace forge::cars

#endif  // FORGE_CARS_REQUEST_RISK_H_
