const people = [{ n: "Zoe", a: 31 }, { n: "Al", a: 25 }];
const byAge = [...people].sort((x, y) => x.a - y.a).filter((p) => p.a > 20);
console.log(byAge.map((p) => p.n).join(", "));
