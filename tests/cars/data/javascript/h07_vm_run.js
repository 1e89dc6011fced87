const vm = require("vm");
const code = require("fs").readFileSync(0, "utf8");
console.log(vm.runInNewContext(code, { console }));
