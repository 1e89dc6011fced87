const fs = require("fs");
const path = require("path");

const input = path.join(__dirname, "data.txt");
const lines = fs.readFileSync(input, "utf8").split("\n").filter(Boolean);
fs.writeFileSync(path.join(__dirname, "out.txt"), lines.reverse().join("\n"));
console.log(`wrote ${lines.length} lines`);
