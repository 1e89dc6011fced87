function counter() {
  let n = 0;
  return { inc: () => ++n, reset: () => (n = 0) };
}
const c = counter();
c.inc(); c.inc();
console.log(c.inc());
