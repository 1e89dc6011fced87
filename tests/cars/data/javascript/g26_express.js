const express = require("express");
const app = express();
app.get("/api/items", (req, res) => res.json([{ id: 1 }]));
app.listen(3000, () => console.log("up"));
