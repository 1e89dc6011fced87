// MCP tool access: what it costs an agent's context, and how fast a call is.
//
//   context   bytes an agent loads to use 1 tool of N registered: every
//             definition up front (name, description, inputSchema as the
//             MCP servers list them) versus ListTools (name + one line each)
//             plus one DescribeTool; for the real servers (server-everything
//             + server-filesystem), and with 100 and 1,000 generated tools
//             added. ~tokens = bytes / 4.
//   data      a tool returns 10,000 rows and the task needs 5: bytes that
//             reach the model when the tool result goes to it (the classic
//             tool loop) versus when a program in the sandbox filters them
//             and prints only the 5.
//   latency   p50/p99 of one tool call from a Python program in the sandbox
//             to a warm MCP server and back (socket, binding, schema check,
//             MCP round trip, audit fsync), for the Python fake server and
//             for server-everything (Node).
//
//   mcp_bench [--calls N]
// Needs root, FORGE_BUILD_DIR (default ./build) and FORGE_SOURCE_DIR with
// .deps/mcp-servers installed (scripts/install-deps).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "nlohmann/json.hpp"
#include "tests/integration/server_process.h"

namespace {

using ::forge::testing::ServerProcess;
using ::forge::testing::SourceDir;
using ::nlohmann::json;

std::string ServersDir() {
  return SourceDir() + "/.deps/mcp-servers/node_modules/@modelcontextprotocol";
}

std::string Config(const std::string& dir, int generated) {
  std::string config = absl::StrCat(
      "audit { dir: \"", dir, "/audit\" }\nmcp {\n  tools_dir: \"", dir,
      "/tools\"\n  max_calls_per_execution: 100000\n  max_result_bytes: "
      "16777216\n",
      "  servers { name: \"everything\" command: \"/usr/bin/node\" args: \"",
      ServersDir(),
      "/server-everything/dist/index.js\" default_access: TOOL_ACCESS_READ "
      "pool_size: 1 }\n",
      "  servers { name: \"filesystem\" command: \"/usr/bin/node\" args: \"",
      ServersDir(), "/server-filesystem/dist/index.js\" args: \"", dir,
      "\" default_access: TOOL_ACCESS_READ pool_size: 1 }\n",
      "  servers { name: \"fake\" command: \"/usr/bin/python3\" args: \"",
      SourceDir(),
      "/tests/mcp/fake_mcp_server.py\" default_access: TOOL_ACCESS_READ "
      "pool_size: 1 }\n");
  std::string allow = "allow: \"everything\" allow: \"filesystem\"";
  if (generated > 0) {
    absl::StrAppend(&config,
                    "  servers { name: \"generated\" command: "
                    "\"/usr/bin/python3\" args: \"",
                    SourceDir(),
                    "/tests/mcp/fake_mcp_server.py\" args: \"--generated\" "
                    "args: \"",
                    generated,
                    "\" args: \"--only-generated\" default_access: "
                    "TOOL_ACCESS_READ pool_size: 1 }\n");
    absl::StrAppend(&allow, " allow: \"generated\"");
  }
  // The context measurement counts the tools a tenant can see: the real
  // servers and the generated ones. "fake" (rows, echo) is given to a
  // second tenant-less entry only through the data and latency runs.
  absl::StrAppend(&config, "  tenants { tenant: \"default\" ", allow,
                  " allow: \"fake.rows\" allow: \"fake.echo\" }\n}\n");
  return config;
}

std::string ProtoJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

struct ContextCost {
  int tools = 0;
  size_t upfront = 0;    // every definition
  size_t on_demand = 0;  // ListTools (all) + one DescribeTool
  size_t query = 0;      // ListTools (query) + one DescribeTool
};

ContextCost MeasureContext(forge::exec::v1::ExecutionService::Stub& stub) {
  ContextCost cost;
  grpc::ClientContext list_context;
  forge::exec::v1::ListToolsRequest list_request;
  forge::exec::v1::ListToolsResponse list;
  grpc::Status listed = stub.ListTools(&list_context, list_request, &list);
  if (!listed.ok()) {
    std::fprintf(stderr, "ListTools: %s\n", listed.error_message().c_str());
    std::exit(1);
  }
  std::string chosen;
  for (const auto& tool : list.tools()) {
    if (absl::StartsWith(tool.name(), "fake.")) continue;  // bench plumbing
    ++cost.tools;
    // The full definition as the MCP server lists it.
    grpc::ClientContext context;
    forge::exec::v1::DescribeToolRequest request;
    request.set_name(tool.name());
    forge::exec::v1::ToolDescription description;
    if (!stub.DescribeTool(&context, request, &description).ok()) continue;
    json definition = {
        {"name", description.name()},
        {"description", description.description()},
        {"inputSchema", json::parse(description.input_schema())}};
    cost.upfront += definition.dump().size();
    if (tool.name() == "filesystem.read_text_file") chosen = tool.name();
    absl::StrAppend(&chosen, "");
  }
  forge::exec::v1::ListToolsResponse visible;
  for (const auto& tool : list.tools())
    if (!absl::StartsWith(tool.name(), "fake.")) *visible.add_tools() = tool;
  cost.on_demand = ProtoJson(visible).size();
  grpc::ClientContext context;
  forge::exec::v1::DescribeToolRequest request;
  request.set_name("filesystem.read_text_file");
  forge::exec::v1::ToolDescription description;
  (void)stub.DescribeTool(&context, request, &description);
  cost.on_demand += ProtoJson(description).size();
  // An agent that knows what it looks for lists with a query.
  grpc::ClientContext query_context;
  forge::exec::v1::ListToolsRequest query_request;
  query_request.set_query("read_text");
  forge::exec::v1::ListToolsResponse found;
  (void)stub.ListTools(&query_context, query_request, &found);
  cost.query = ProtoJson(found).size() + ProtoJson(description).size();
  return cost;
}

forge::testing::CollectedEvents Run(
    forge::exec::v1::ExecutionService::Stub& stub, const std::string& code,
    const std::vector<std::string>& tools) {
  forge::exec::v1::ExecuteRequest request =
      forge::testing::Request("python", code);
  for (const std::string& tool : tools) request.add_tools(tool);
  forge::exec::v1::Limits* limits = request.mutable_limits();
  limits->mutable_wall_time()->set_seconds(120);
  limits->mutable_cpu_time()->set_seconds(60);
  return forge::testing::Execute(stub, request, absl::Seconds(180));
}

std::vector<double> BindingDurations(
    forge::exec::v1::ExecutionService::Stub& stub,
    const forge::testing::CollectedEvents& run) {
  std::string id;
  for (const auto& event : run.events)
    if (event.has_accepted()) id = event.accepted().execution_id();
  grpc::ClientContext context;
  forge::exec::v1::GetEvidenceRequest request;
  request.set_execution_id(id);
  forge::exec::v1::EvidencePack pack;
  std::vector<double> out;
  if (!stub.GetEvidence(&context, request, &pack).ok()) return out;
  for (const auto& record : pack.records()) {
    if (record.type() != "tool_call") continue;
    double us = 0;
    if (absl::SimpleAtod(record.details().at("duration_us"), &us))
      out.push_back(us);
  }
  return out;
}

const char kDataTask[] = R"py(
from fake.rows import rows
import json
table = json.loads(rows(10000))
top = sorted((r for r in table if r["city"] == "Pune"),
             key=lambda r: -r["balance"])[:5]
for r in top:
    print(json.dumps(r))
)py";

const char kRawTask[] = R"py(
from fake.rows import rows
import sys
sys.stdout.write(rows(10000))
)py";

std::string LatencyTask(const std::string& import, const std::string& call,
                        int calls) {
  return absl::StrCat(import, R"py(
import time
samples = []
for i in range()py",
                      calls, R"py():
    t = time.perf_counter_ns()
    )py",
                      call, R"py(
    samples.append(time.perf_counter_ns() - t)
samples.sort()
n = len(samples)
print("p50_us", samples[n // 2] / 1000, "p99_us", samples[min(n - 1, n * 99 // 100)] / 1000, "n", n)
)py");
}

}  // namespace

int main(int argc, char** argv) {
  int calls = 500;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--calls") == 0) calls = std::atoi(argv[i + 1]);
  }
  if (::geteuid() != 0) {
    std::fprintf(stderr, "mcp_bench needs root\n");
    return 1;
  }
  char dir_template[] = "/tmp/forge-mcp-bench-XXXXXX";
  const std::string dir = ::mkdtemp(dir_template);
  ::chmod(dir.c_str(), 0711);

  std::printf("## context: bytes to use 1 tool of N\n");
  std::printf("%-26s %5s %10s %8s | %12s %8s %6s | %9s %6s %6s\n", "registered",
              "N", "upfront_B", "~tokens", "list+desc_B", "~tokens", "saved",
              "query_B", "~tok", "saved");
  for (int generated : {0, 100, 1000}) {
    auto server = ServerProcess::Start(Config(dir, generated));
    if (!server.ok()) {
      std::fprintf(stderr, "server: %s\n",
                   std::string(server.status().message()).c_str());
      return 1;
    }
    auto stub = (*server)->NewStub();
    ContextCost cost = MeasureContext(*stub);
    const std::string label =
        generated == 0 ? "real servers"
                       : absl::StrCat("real + ", generated, " generated");
    auto saved = [&cost](size_t bytes) {
      return 100.0 * (1.0 - static_cast<double>(bytes) /
                                static_cast<double>(cost.upfront));
    };
    std::printf(
        "%-26s %5d %10zu %8zu | %12zu %8zu %5.1f%% | %9zu %6zu %5.1f%%\n",
        label.c_str(), cost.tools, cost.upfront, cost.upfront / 4,
        cost.on_demand, cost.on_demand / 4, saved(cost.on_demand), cost.query,
        cost.query / 4, saved(cost.query));
    if (generated != 0) continue;

    std::printf("\n## data: 10,000 rows, the task keeps 5\n");
    auto raw = Run(*stub, kRawTask, {"fake.rows"});
    auto filtered = Run(*stub, kDataTask, {"fake.rows"});
    const size_t raw_bytes = raw.stdout_data.size();
    const size_t kept_bytes = filtered.stdout_data.size();
    std::printf("%-44s %10zu B  ~%zu tokens\n",
                "tool result to the model (no filtering)", raw_bytes,
                raw_bytes / 4);
    std::printf("%-44s %10zu B  ~%zu tokens\n",
                "program output to the model (filtered)", kept_bytes,
                kept_bytes / 4);
    std::printf(
        "reduction %.2f%%  (outcomes %s / %s)\n",
        100.0 * (1.0 - static_cast<double>(kept_bytes) /
                           static_cast<double>(raw_bytes)),
        forge::exec::v1::Outcome_Name(raw.finished.outcome()).c_str(),
        forge::exec::v1::Outcome_Name(filtered.finished.outcome()).c_str());
    const size_t code_bytes = std::strlen(kDataTask);
    std::printf(
        "with the definitions: upfront defs + raw result %zu B vs ListTools + "
        "DescribeTool + program + output %zu B: reduction %.2f%%\n",
        cost.upfront + raw_bytes, cost.on_demand + code_bytes + kept_bytes,
        100.0 * (1.0 -
                 static_cast<double>(cost.on_demand + code_bytes + kept_bytes) /
                     static_cast<double>(cost.upfront + raw_bytes)));

    std::printf("\n## latency: one call from the sandbox to a warm server\n");
    struct Target {
      const char* label;
      std::string import, call;
      std::vector<std::string> tools;
    };
    const Target targets[] = {
        {"fake.echo (Python MCP server)",
         "from fake.echo import echo",
         "echo('x')",
         {"fake.echo"}},
        {"everything.echo (Node MCP server)",
         "from everything.echo import echo",
         "echo('x')",
         {"everything.echo"}},
    };
    for (const Target& target : targets) {
      auto run = Run(*stub, LatencyTask(target.import, target.call, calls),
                     target.tools);
      std::printf("%-36s %s", target.label,
                  run.stdout_data.empty() ? (run.stderr_data + "\n").c_str()
                                          : run.stdout_data.c_str());
      // The binding's share (checks + MCP round trip, before the audit
      // fsync), from the tool_call records' duration_us.
      std::vector<double> server_us = BindingDurations(*stub, run);
      if (!server_us.empty()) {
        std::sort(server_us.begin(), server_us.end());
        std::printf("%-36s binding+MCP p50_us %.0f p99_us %.0f\n", "",
                    server_us[server_us.size() / 2],
                    server_us[std::min(server_us.size() - 1,
                                       server_us.size() * 99 / 100)]);
      }
    }
    std::printf("\n");
  }
  std::filesystem::remove_all(dir);
  return 0;
}
