const fs = require("fs");
const pkg = JSON.parse(fs.readFileSync("package.json", "utf8"));
console.log(pkg.name, Object.keys(pkg.dependencies || {}).length);
