// Example: run code in forge-execd from TypeScript.
//
//   node dist/src/example.js [HOST:PORT]          (after `npm run build`)
//   deno run --allow-all --node-modules-dir=manual src/example.ts [HOST:PORT]
//
// The address defaults to $FORGE_EXEC_ADDRESS, else 127.0.0.1:50051; a token
// is read from $FORGE_EXEC_TOKEN.

import { ForgeExecClient, ForgeExecError } from "./index.ts";

const address = process.argv[2] ?? process.env.FORGE_EXEC_ADDRESS ?? "127.0.0.1:50051";
const client = new ForgeExecClient(address, { token: process.env.FORGE_EXEC_TOKEN });

try {
  console.log(`health: ${await client.checkHealth()}`);
  for (const runtime of await client.listRuntimes()) {
    console.log(`runtime ${runtime.name}: ${runtime.version}`);
  }

  // Collect a whole execution.
  const result = await client.run("python", 'import sys\nprint("hello from python")\nsys.exit(3)\n');
  console.log(`python said ${JSON.stringify(result.stdout)}; ${result.outcome} exit_code=${result.exitCode}`);

  // Or watch the events as they come.
  const code = 'for (let i = 1; i <= 3; i++) console.log("tick " + i);\n';
  for await (const event of client.stream("javascript", code)) {
    if (event.event === "output") {
      process.stdout.write(`[${event.output.stream}] ${event.output.data.toString()}`);
    } else if (event.event === "finished") {
      console.log(`finished: ${event.finished.outcome} exit_code=${event.finished.exit_code}`);
    } else {
      console.log(`event: ${event.event}`);
    }
  }

  // Limits are typed outcomes, not errors.
  const slow = await client.run("bash", "sleep 30", { limits: { wallTimeMs: 500 } });
  console.log(`sleep: ${slow.outcome} (${slow.message})`);

  // So is a policy decision: code CARS rates HIGH waits for a person.
  const gated = await client.run("bash", "while :; do :; done", { limits: { wallTimeMs: 500 } });
  console.log(`busy loop: ${gated.outcome} ${gated.approvalId}`);

  // Calls that never became an execution reject with ForgeExecError.
  try {
    await client.run("cobol", "DISPLAY 'HI'.");
  } catch (error) {
    if (!(error instanceof ForgeExecError)) throw error;
    console.log(`refused: ${error.codeName}: ${error.details}`);
  }
} finally {
  client.close();
}
