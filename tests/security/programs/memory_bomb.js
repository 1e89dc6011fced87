// Memory bomb in JavaScript: Buffers live outside V8's heap, so V8's own
// heap limit does not stop them; the sandbox's memory limit must.
//
// Bounded at 2 GiB so that a host without the limit survives.
const BLOCK = 16 << 20;
const blocks = [];
while (blocks.length * BLOCK < 2 * 1024 * 1024 * 1024) {
  blocks.push(Buffer.alloc(BLOCK, 1));  // filled, so really resident
}
console.log(`allocated ${(blocks.length * BLOCK) >> 20} MiB without a limit`);
