const { spawnSync } = require("child_process");
const r = spawnSync("git", ["log", "--oneline", "-5"], { encoding: "utf8" });
console.log(r.stdout);
