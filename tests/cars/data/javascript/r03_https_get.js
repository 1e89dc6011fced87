const https = require("https");
https.get("https://example.com/", (res) => {
  let body = "";
  res.on("data", (c) => (body += c));
  res.on("end", () => console.log(res.statusCode, body.length));
});
