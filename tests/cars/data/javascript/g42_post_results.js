const results = { accuracy: 0.93, runs: 12 };
await fetch("https://metrics.example.com/api/results", {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(results),
});
