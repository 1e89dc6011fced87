// The socket clients every generated /tools module imports: Python
// (forge_tools.py), TypeScript for Deno (forge_tools.ts) and CommonJS for
// Node (forge_tools.js). Each sends one request line per call to
// /tools/call.sock and raises/throws ToolError(code, message) on failure.
#ifndef FORGE_SERVER_MCP_MODULE_RUNTIME_H_
#define FORGE_SERVER_MCP_MODULE_RUNTIME_H_

namespace forge::mcp {

extern const char kPythonRuntime[];
extern const char kTypeScriptRuntime[];
extern const char kJavaScriptRuntime[];

}  // namespace forge::mcp

#endif  // FORGE_SERVER_MCP_MODULE_RUNTIME_H_
