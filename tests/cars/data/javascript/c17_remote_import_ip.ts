import { run } from "http://192.0.2.44:8000/mod.ts";
await run();
