/**
 * Safer alternative to eval(): parses arithmetic only.
 * @param {string} s expression such as "1 + 2 * 3"
 */
function calc(s) {
  return s.split("+").map((t) => t.split("*").reduce((a, b) => a * Number(b), 1)).reduce((a, b) => a + b, 0);
}
console.log(calc("1 + 2 * 3"));
