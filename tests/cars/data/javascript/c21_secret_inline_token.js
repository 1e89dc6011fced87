const token = "ghp_1a2B3c4D5e6F7g8H9i0JkLmNoPqRsTuVwXyZ12";
fetch("https://api.github.com/user", { headers: { Authorization: `token ${token}` } })
  .then((r) => r.json()).then(console.log);
