import fetch from "node-fetch";
const res = await fetch("https://api.example.com/items");
console.log((await res.json()).length);
