// Thread bomb in JavaScript: worker threads until refused, retrying on
// failure. Each Worker is an OS thread (plus V8 helpers), counted against
// the process limit.
//
// Bounded at MAX_WORKERS so that a host without the limit survives.
const { Worker } = require('worker_threads');

const MAX_WORKERS = 150;
let started = 0;
let failed = 0;

function spawn() {
  if (started >= MAX_WORKERS) {
    console.log(`started ${started} workers, failed ${failed}`);
    return;
  }
  try {
    const worker = new Worker('setInterval(() => {}, 1000);', { eval: true });
    worker.on('error', () => { failed++; });
    started++;
  } catch (e) {
    failed++;
  }
  setImmediate(spawn);
}
spawn();
