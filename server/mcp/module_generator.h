// Generates the read-only /tools tree a tool-using program sees: for every
// tool, a Python module (/tools/python/<server>/<tool>.py), a TypeScript
// module for Deno (/tools/ts/<server>/<tool>.ts) and a CommonJS module for
// Node (/tools/ts/<server>/<tool>.js), each with a typed signature built from
// the tool's input schema and the tool's description as its docstring; the
// small runtime they share (forge_tools.py / forge_tools.ts / forge_tools.js:
// the socket client and ToolError); and /tools/index.json, one line per
// tool. Pure functions: no I/O.
#ifndef FORGE_SERVER_MCP_MODULE_GENERATOR_H_
#define FORGE_SERVER_MCP_MODULE_GENERATOR_H_

#include <string>
#include <utility>
#include <vector>

#include "server/mcp/tool_registry.h"

namespace forge::mcp {

// Where the tree is mounted and where its socket is, inside the sandbox.
inline constexpr char kToolsMountPoint[] = "/tools";
inline constexpr char kToolSocketName[] = "call.sock";

struct GeneratedFile {
  std::string path;  // relative to the tree's root, e.g. "python/x/y.py"
  std::string content;
};

// The whole tree for `tools` (sorted, unique names).
std::vector<GeneratedFile> GenerateToolTree(
    const std::vector<const ToolDefinition*>& tools);

// index.json alone: [{"name": ..., "summary": ...}, ...] plus the import
// lines; what an agent reads to discover the tools.
std::string ToolIndexJson(const std::vector<const ToolDefinition*>& tools);

// "from <server>.<tool> import <tool>"
std::string PythonImportOf(const ToolDefinition& tool);
// 'import { <tool> } from "/tools/ts/<server>/<tool>.ts";'
std::string TypeScriptImportOf(const ToolDefinition& tool);

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_MODULE_GENERATOR_H_
