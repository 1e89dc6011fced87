const results: number[] = [];
for (;;) {
  results.push(Math.random());
}
