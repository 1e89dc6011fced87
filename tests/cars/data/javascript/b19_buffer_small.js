const buf = Buffer.alloc(16);
buf.write("hello");
const b64 = buf.toString("base64");
console.log(b64, Buffer.from(b64, "base64").toString("utf8").replace(/\0/g, ""));
