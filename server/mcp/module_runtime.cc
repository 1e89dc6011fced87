// The fixed part of the /tools tree: the socket clients the generated
// modules import (module_generator.h). Raw strings, copied verbatim.
#include "server/mcp/module_runtime.h"

namespace forge::mcp {

const char kPythonRuntime[] =
    R"py("""Calls MCP tools through forge-exec's tool socket.

Every call goes to the server, which checks it against this execution's
allowed tools, the tool's schema and the call budget, runs it, records it in
the audit trail and returns the result here. Failures raise ToolError with a
`code` such as SCHEMA_VIOLATION, NOT_ALLOWED, BUDGET_EXHAUSTED, TIMEOUT,
SERVER_UNAVAILABLE or TOOL_ERROR.
"""
import json as _json
import socket as _socket

SOCKET_PATH = "/tools/call.sock"


class ToolError(Exception):
    """A tool call that did not return a result."""

    def __init__(self, code, message):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def call(name, arguments):
    """Calls tool `name` ("<server>.<tool>") with `arguments` (a dict)."""
    request = _json.dumps({"tool": name, "arguments": arguments}).encode() + b"\n"
    with _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM) as conn:
        try:
            conn.connect(SOCKET_PATH)
            conn.sendall(request)
        except OSError as error:
            raise ToolError("SERVER_UNAVAILABLE", f"tool socket: {error}") from None
        data = bytearray()
        while not data.endswith(b"\n"):
            chunk = conn.recv(1 << 16)
            if not chunk:
                break
            data += chunk
    if not data:
        raise ToolError("SERVER_UNAVAILABLE", "the tool socket closed without an answer")
    reply = _json.loads(data)
    if reply.get("ok"):
        return reply.get("result")
    error = reply.get("error") or {}
    raise ToolError(error.get("code", "INTERNAL"), error.get("message", ""))


def index():
    """The tools of this execution: [{"name", "summary", ...}, ...]."""
    with open("/tools/index.json") as f:
        return _json.load(f)["tools"]
)py";

const char kTypeScriptRuntime[] =
    R"ts(// Calls MCP tools through forge-exec's tool socket (Deno).
// Failures throw ToolError with a `code` such as SCHEMA_VIOLATION,
// NOT_ALLOWED, BUDGET_EXHAUSTED, TIMEOUT, SERVER_UNAVAILABLE or TOOL_ERROR.
export const SOCKET_PATH = "/tools/call.sock";

export class ToolError extends Error {
  code: string;
  constructor(code: string, message: string) {
    super(`${code}: ${message}`);
    this.name = "ToolError";
    this.code = code;
  }
}

export async function call(name: string, args: unknown): Promise<unknown> {
  let conn: Deno.UnixConn;
  try {
    conn = await Deno.connect({ transport: "unix", path: SOCKET_PATH });
  } catch (e) {
    throw new ToolError("SERVER_UNAVAILABLE", `tool socket: ${e}`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    const request = new TextEncoder().encode(
      JSON.stringify({ tool: name, arguments: args }) + "\n",
    );
    for (let off = 0; off < request.length;) {
      off += await conn.write(request.subarray(off));
    }
    const buf = new Uint8Array(1 << 16);
    for (;;) {
      const n = await conn.read(buf);
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      total += n;
      if (buf[n - 1] === 10) break;
    }
  } finally {
    conn.close();
  }
  const all = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    all.set(chunk, at);
    at += chunk.length;
  }
  const text = new TextDecoder().decode(all);
  if (text.length === 0) {
    throw new ToolError("SERVER_UNAVAILABLE", "the tool socket closed");
  }
  const reply = JSON.parse(text);
  if (reply.ok) return reply.result;
  throw new ToolError(reply.error?.code ?? "INTERNAL", reply.error?.message ?? "");
}
)ts";

const char kJavaScriptRuntime[] =
    R"js(// Calls MCP tools through forge-exec's tool socket (Node, CommonJS).
// Failures reject with ToolError, whose `code` is e.g. SCHEMA_VIOLATION,
// NOT_ALLOWED, BUDGET_EXHAUSTED, TIMEOUT, SERVER_UNAVAILABLE or TOOL_ERROR.
"use strict";
const net = require("net");
const SOCKET_PATH = "/tools/call.sock";

class ToolError extends Error {
  constructor(code, message) {
    super(`${code}: ${message}`);
    this.name = "ToolError";
    this.code = code;
  }
}

function call(name, args) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    const conn = net.createConnection(SOCKET_PATH);
    conn.on("connect", () => {
      conn.write(JSON.stringify({ tool: name, arguments: args }) + "\n");
    });
    conn.on("data", (chunk) => {
      chunks.push(chunk);
      if (chunk[chunk.length - 1] === 10) conn.end();
    });
    conn.on("error", (e) =>
      reject(new ToolError("SERVER_UNAVAILABLE", `tool socket: ${e.message}`)));
    conn.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      if (!text) {
        reject(new ToolError("SERVER_UNAVAILABLE", "the tool socket closed"));
        return;
      }
      const reply = JSON.parse(text);
      if (reply.ok) resolve(reply.result);
      else reject(new ToolError(reply.error?.code ?? "INTERNAL",
                                reply.error?.message ?? ""));
    });
  });
}

module.exports = { call, ToolError, SOCKET_PATH };
)js";

}  // namespace forge::mcp
