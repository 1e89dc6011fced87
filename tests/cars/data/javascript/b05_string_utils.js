function titleCase(s) {
  return s.toLowerCase().split(/\s+/).map((w) => w[0].toUpperCase() + w.slice(1)).join(" ");
}
function truncate(s, n) {
  return s.length > n ? s.slice(0, n - 1) + "…" : s;
}
console.log(titleCase("the quick brown fox"), truncate("abcdefghij", 5));
