#include "server/tool_call_metrics.h"

#include "absl/strings/ascii.h"

namespace forge::server {
namespace {

const prometheus::Histogram::BucketBoundaries& CallBuckets() {
  static const auto* const kBuckets =
      new prometheus::Histogram::BucketBoundaries{
          0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
          0.25,  0.5,    1,     2.5,  5,     10,   30};
  return *kBuckets;
}

}  // namespace

ToolCallMetrics::ToolCallMetrics(prometheus::Registry& registry)
    : calls_(prometheus::BuildCounter()
                 .Name("forge_exec_tool_calls_total")
                 .Help("MCP tool calls from sandboxed programs by server, "
                       "tool and outcome")
                 .Register(registry)),
      seconds_(prometheus::BuildHistogram()
                   .Name("forge_exec_tool_call_seconds")
                   .Help("Tool call from the program's request to its reply, "
                         "without waiting for a person's approval")
                   .Register(registry)) {
  // Both families are on /metrics from the start (a family without series
  // is not served): the series of a program calling a tool nobody
  // registered exists whatever the config, at zero until it happens.
  calls_.Add({{"server", "unknown"},
              {"tool", "unknown"},
              {"outcome", "unknown_tool"}});
  seconds_.Add({{"server", "unknown"}}, CallBuckets());
}

void ToolCallMetrics::ToolCallFinished(const std::string& server,
                                       const std::string& tool,
                                       const std::string& outcome,
                                       absl::Duration call_time) {
  calls_
      .Add({{"server", server},
            {"tool", tool},
            {"outcome", absl::AsciiStrToLower(outcome)}})
      .Increment();
  seconds_.Add({{"server", server}}, CallBuckets())
      .Observe(absl::ToDoubleSeconds(call_time));
}

}  // namespace forge::server
