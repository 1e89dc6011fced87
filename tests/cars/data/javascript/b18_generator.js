function* fib() {
  let [a, b] = [0, 1];
  while (true) {
    yield a;
    [a, b] = [b, a + b];
  }
}
const first = [];
for (const x of fib()) {
  if (first.length >= 15) break;
  first.push(x);
}
console.log(first);
