#!/usr/bin/env python3
"""A tiny MCP server on stdio for tests and benchmarks.

Tools: echo, add (strict schema), rows (N generated rows), fail (an isError
result), hang (never answers), crash (the process exits mid-call),
delete_all (for destructive-tool tests), and with --generated N, N more
tools gen_0000... with small schemas (for context-cost measurements).
--only-generated lists the generated tools alone. --exit-at-start makes the
process exit before answering initialize. With --http PORT it serves
streamable HTTP (JSON answers) on 127.0.0.1:PORT instead of stdio, over TLS
with --tls CERT KEY; it prints "listening" once it accepts connections.
"""
import json
import os
import sys
import time

generated = 0
if "--generated" in sys.argv:
    generated = int(sys.argv[sys.argv.index("--generated") + 1])
only_generated = "--only-generated" in sys.argv
if "--exit-at-start" in sys.argv:
    sys.exit(3)

TOOLS = [
    {"name": "echo", "description": "Returns the text it is given.\nUseful to check the path.",
     "inputSchema": {"type": "object", "properties": {"text": {"type": "string", "description": "What to return"}},
                     "required": ["text"]}},
    {"name": "add", "description": "Adds two integers.",
     "inputSchema": {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
                     "required": ["a", "b"], "additionalProperties": False},
     "outputSchema": {"type": "object", "properties": {"sum": {"type": "integer"}}}},
    {"name": "rows", "description": "Returns `count` rows of a customer table.",
     "inputSchema": {"type": "object", "properties": {"count": {"type": "integer", "minimum": 0}},
                     "required": ["count"]}},
    {"name": "fail", "description": "Always reports a tool error.",
     "inputSchema": {"type": "object", "properties": {}}},
    {"name": "hang", "description": "Never answers.", "inputSchema": {"type": "object", "properties": {}}},
    {"name": "crash", "description": "Exits the server process mid-call.",
     "inputSchema": {"type": "object", "properties": {}}},
    {"name": "delete_all", "description": "Deletes everything (a test of destructive tools).",
     "inputSchema": {"type": "object", "properties": {}}},
]
if only_generated:
    TOOLS = []
for i in range(generated):
    TOOLS.append({
        "name": f"gen_{i:04d}",
        "description": f"Generated tool number {i}: looks up record {i} in an inventory system "
                       "and returns its fields as JSON.\nThe second line says more about paging.",
        "inputSchema": {"type": "object", "properties": {
            "id": {"type": "string", "description": "Record identifier"},
            "fields": {"type": "array", "items": {"type": "string"}, "description": "Fields to return"},
            "limit": {"type": "integer", "description": "Maximum number of records"}},
            "required": ["id"]}})


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def text(value):
    return {"content": [{"type": "text", "text": value}]}


def call(name, args):
    if name == "echo":
        return text(args["text"])
    if name == "add":
        total = args["a"] + args["b"]
        return {"content": [{"type": "text", "text": str(total)}], "structuredContent": {"sum": total}}
    if name == "rows":
        rows = [{"id": i, "name": f"customer {i}", "city": ["Oslo", "Lima", "Pune", "Kyiv"][i % 4],
                 "balance": (i * 7919) % 10007} for i in range(args["count"])]
        return {"content": [{"type": "text", "text": json.dumps(rows)}]}
    if name == "fail":
        return {"content": [{"type": "text", "text": "the backend said no"}], "isError": True}
    if name == "hang":
        while True:
            time.sleep(3600)
    if name == "crash":
        os._exit(7)
    if name == "delete_all":
        return text("deleted")
    if name.startswith("gen_"):
        return text(json.dumps({"id": args.get("id"), "tool": name}))
    return None


def handle(msg):
    """The response to one JSON-RPC message, or None for a notification."""
    method, mid = msg.get("method"), msg.get("id")
    if mid is None:
        return None
    if method == "initialize":
        return {"jsonrpc": "2.0", "id": mid, "result": {
            "protocolVersion": msg["params"].get("protocolVersion", "2025-06-18"),
            "capabilities": {"tools": {}}, "serverInfo": {"name": "fake", "version": "1"}}}
    if method == "tools/list":
        # Two pages, so clients must follow nextCursor.
        half = len(TOOLS) // 2
        if msg.get("params", {}).get("cursor") == "page2":
            return {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS[half:]}}
        return {"jsonrpc": "2.0", "id": mid, "result": {"tools": TOOLS[:half], "nextCursor": "page2"}}
    if method == "tools/call":
        params = msg.get("params", {})
        result = call(params.get("name"), params.get("arguments") or {})
        if result is None:
            return {"jsonrpc": "2.0", "id": mid, "error": {"code": -32602, "message": "unknown tool"}}
        return {"jsonrpc": "2.0", "id": mid, "result": result}
    if method == "ping":
        return {"jsonrpc": "2.0", "id": mid, "result": {}}
    return {"jsonrpc": "2.0", "id": mid, "error": {"code": -32601, "message": "method not found"}}


def serve_http(port, tls):
    import http.server
    import ssl

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = handle(json.loads(body))
            if answer is None:
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("listening", flush=True)
    server.serve_forever()


if "--http" in sys.argv:
    tls = None
    if "--tls" in sys.argv:
        at = sys.argv.index("--tls")
        tls = (sys.argv[at + 1], sys.argv[at + 2])
    serve_http(int(sys.argv[sys.argv.index("--http") + 1]), tls)
    sys.exit(0)

for line in sys.stdin:
    try:
        msg = json.loads(line)
    except ValueError:
        continue
    answer = handle(msg)
    if answer is not None:
        send(answer)
