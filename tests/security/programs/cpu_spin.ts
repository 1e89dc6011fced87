// Spins on the CPU forever, in TypeScript. The CPU-time limit must stop it.
let counter: number = 0;
while (true) {
  counter = (counter + 1) % 1000;
}
