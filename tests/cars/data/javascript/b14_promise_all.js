function compute(x) {
  return new Promise((resolve) => setTimeout(() => resolve(x * x), 10));
}
Promise.all([1, 2, 3, 4].map(compute)).then((vals) => {
  console.log("squares", vals, "sum", vals.reduce((a, b) => a + b));
});
