// ToolCallMetrics: the Prometheus series of MCP tool calls, registered on
// the server's registry (served with the others on /metrics):
//
//   forge_exec_tool_calls_total{server, tool, outcome}   counter
//   forge_exec_tool_call_seconds{server}                 histogram
//
// outcome is "ok" or the binding's error code in lower case
// ("schema_violation", "approval_denied"); a name the program made up is
// counted as server="unknown", tool="unknown" so label values stay bounded
// by the config. Latency excludes time spent waiting for a person.
//
// Thread-safe (prometheus-cpp metrics are atomic; series creation locks).
#ifndef FORGE_SERVER_TOOL_CALL_METRICS_H_
#define FORGE_SERVER_TOOL_CALL_METRICS_H_

#include <string>

#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"
#include "server/mcp/tool_binding.h"

namespace forge::server {

class ToolCallMetrics final : public mcp::ToolCallObserver {
 public:
  // Registers the families on `registry`, which must outlive this, each with
  // its server="unknown" series at zero so both are served before any call.
  explicit ToolCallMetrics(prometheus::Registry& registry);

  void ToolCallFinished(const std::string& server, const std::string& tool,
                        const std::string& outcome,
                        absl::Duration call_time) override;

 private:
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& seconds_;
};

}  // namespace forge::server

#endif  // FORGE_SERVER_TOOL_CALL_METRICS_H_
