const text = await Deno.readTextFile("./input.txt");
const total = text.split("\n").filter((l) => l.trim()).map(Number).reduce((a, b) => a + b, 0);
console.log(total);
