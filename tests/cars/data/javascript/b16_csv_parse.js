const text = "name,score\nana,9\nbo,7\ncy,8";
const [header, ...rows] = text.split("\n").map((l) => l.split(","));
const records = rows.map((r) => Object.fromEntries(r.map((v, i) => [header[i], v])));
records.sort((a, b) => b.score - a.score);
console.table(records);
