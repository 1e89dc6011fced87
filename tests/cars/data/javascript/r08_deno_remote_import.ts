import { assertEquals } from "https://deno.land/std@0.200.0/assert/mod.ts";
assertEquals(1 + 1, 2);
console.log("ok");
