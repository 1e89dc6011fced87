const axios = require("axios");
axios.post("https://httpbin.org/post", { hello: "world" }).then((r) => console.log(r.status));
