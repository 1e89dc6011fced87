const words = "to be or not to be that is the question".split(" ");
const counts = new Map();
for (const w of words) counts.set(w, (counts.get(w) || 0) + 1);
const unique = new Set(words);
console.log([...counts.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3), unique.size);
