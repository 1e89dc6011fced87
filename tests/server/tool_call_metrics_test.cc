// The Prometheus series of MCP tool calls: counts by server, tool and
// outcome, and a latency histogram per server.
#include "server/tool_call_metrics.h"

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "prometheus/registry.h"

namespace forge::server {
namespace {

// family name → {"label=value,..." → value}; histograms give their count.
std::map<std::string, std::map<std::string, double>> Scrape(
    prometheus::Registry& registry) {
  std::map<std::string, std::map<std::string, double>> out;
  for (const prometheus::MetricFamily& family : registry.Collect()) {
    for (const prometheus::ClientMetric& metric : family.metric) {
      std::string labels;
      for (const prometheus::ClientMetric::Label& label : metric.label)
        labels += label.name + "=" + label.value + ",";
      out[family.name][labels] =
          family.type == prometheus::MetricType::Histogram
              ? static_cast<double>(metric.histogram.sample_count)
              : metric.counter.value;
    }
  }
  return out;
}

TEST(ToolCallMetricsTest, BothFamiliesAreServedBeforeAnyCall) {
  prometheus::Registry registry;
  ToolCallMetrics metrics(registry);
  auto scraped = Scrape(registry);
  ASSERT_EQ(scraped["forge_exec_tool_calls_total"].size(), 1u);
  EXPECT_EQ(scraped["forge_exec_tool_calls_total"]
                   ["outcome=unknown_tool,server=unknown,tool=unknown,"],
            0);
  ASSERT_EQ(scraped["forge_exec_tool_call_seconds"].size(), 1u);
  EXPECT_EQ(scraped["forge_exec_tool_call_seconds"]["server=unknown,"], 0);
}

TEST(ToolCallMetricsTest, CountsCallsByToolAndOutcomeAndTimesThem) {
  prometheus::Registry registry;
  ToolCallMetrics metrics(registry);
  metrics.ToolCallFinished("fake", "fake.echo", "ok", absl::Milliseconds(3));
  metrics.ToolCallFinished("fake", "fake.echo", "ok", absl::Milliseconds(4));
  metrics.ToolCallFinished("fake", "fake.delete_all", "APPROVAL_DENIED",
                           absl::Milliseconds(1));
  metrics.ToolCallFinished("unknown", "unknown", "UNKNOWN_TOOL",
                           absl::Microseconds(50));
  auto scraped = Scrape(registry);
  auto& calls = scraped["forge_exec_tool_calls_total"];
  EXPECT_EQ(calls["outcome=ok,server=fake,tool=fake.echo,"], 2);
  EXPECT_EQ(calls["outcome=approval_denied,server=fake,tool=fake.delete_all,"],
            1);
  EXPECT_EQ(calls["outcome=unknown_tool,server=unknown,tool=unknown,"], 1);
  auto& seconds = scraped["forge_exec_tool_call_seconds"];
  EXPECT_EQ(seconds["server=fake,"], 3);
  EXPECT_EQ(seconds["server=unknown,"], 1);
}

}  // namespace
}  // namespace forge::server
