// Integration test of the TypeScript client against a running forge-execd
// whose address is in $FORGE_EXEC_ADDRESS (tests/clients/ starts one).
//
//   node dist/test/client_test.js        (after `npm run build`)
//   deno run --allow-all --node-modules-dir=manual test/client_test.ts

import assert from "node:assert/strict";
import { after, test } from "node:test";

import { ForgeExecClient, ForgeExecError } from "../src/index.ts";
import type { ExecuteEvent } from "../src/index.ts";

const address = process.env.FORGE_EXEC_ADDRESS;
if (!address) throw new Error("FORGE_EXEC_ADDRESS is not set");
const client = new ForgeExecClient(address);
after(() => client.close());

test("run collects stdout, stderr, exit code and the execution's ids", async () => {
  const result = await client.run(
    "python",
    'import sys\nprint("out line")\nprint("err line", file=sys.stderr)\nsys.exit(7)\n',
  );
  assert.equal(result.outcome, "OUTCOME_EXITED");
  assert.equal(result.exitCode, 7);
  assert.equal(result.stdout, "out line\n");
  assert.equal(result.stderr, "err line\n");
  assert.match(result.executionId, /^ex_/);
  assert.match(result.runtimeVersion, /^Python 3\./);
  assert.notEqual(result.sandboxId, "");
  assert.ok(result.wallTimeMs > 0, `wall time ${result.wallTimeMs}`);
});

test("stream yields accepted first, started before output, finished last", async () => {
  const events: ExecuteEvent[] = [];
  for await (const event of client.stream("javascript", 'console.log("a"); console.error("b");')) {
    events.push(event);
  }
  const kinds = events.map((event) => event.event);
  assert.equal(kinds[0], "accepted");
  assert.equal(kinds.at(-1), "finished");
  assert.equal(kinds.filter((kind) => kind === "finished").length, 1);
  const started = kinds.indexOf("started");
  assert.ok(started > 0, `started in ${kinds.join(",")}`);
  const firstOutput = kinds.indexOf("output");
  assert.ok(firstOutput > started, `output before started in ${kinds.join(",")}`);
  const streams = new Set(
    events.flatMap((event) => (event.event === "output" ? [event.output.stream] : [])),
  );
  assert.deepEqual([...streams].sort(), ["STREAM_STDERR", "STREAM_STDOUT"]);
});

test("stdin, args, env and input files reach the program", async () => {
  const result = await client.run(
    "bash",
    'printf "%s|%s|%s|%s" "$1" "$GREETING" "$(cat note.txt)" "$(cat)"',
    {
      args: ["first"],
      env: { GREETING: "hi" },
      files: [{ path: "note.txt", content: "from a file" }],
      stdin: "from stdin",
    },
  );
  assert.equal(result.outcome, "OUTCOME_EXITED", result.message);
  assert.equal(result.stdout, "first|hi|from a file|from stdin");
});

test("typescript runs too", async () => {
  const result = await client.run("typescript", "const n: number = 6 * 7;\nconsole.log(n);\n");
  assert.equal(result.outcome, "OUTCOME_EXITED", `${result.message} ${result.stderr}`);
  assert.equal(result.stdout, "42\n");
});

test("a wall-clock limit is an outcome, not an error", async () => {
  const result = await client.run("bash", "sleep 30", { limits: { wallTimeMs: 300 } });
  assert.equal(result.outcome, "OUTCOME_WALL_TIMEOUT");
  assert.notEqual(result.message, "");
});

test("code the policy gates is a result, not an error", async () => {
  // CARS rates an unbounded loop HIGH: the default policy holds it for
  // approval (a server without CARS runs it into the wall clock).
  const result = await client.run("bash", "while :; do :; done", { limits: { wallTimeMs: 300 } });
  const kinds = result.events.map((event) => event.event);
  if (result.outcome === "OUTCOME_APPROVAL_PENDING") {
    assert.equal(result.action, "POLICY_ACTION_REQUIRE_APPROVAL");
    assert.notEqual(result.message, "");
    assert.ok(!kinds.includes("started"), kinds.join(","));
  } else {
    assert.equal(result.outcome, "OUTCOME_WALL_TIMEOUT");
    assert.ok(kinds.includes("started"), kinds.join(","));
  }
  assert.equal(kinds.at(-1), "finished");
});

test("an invalid request rejects with ForgeExecError INVALID_ARGUMENT naming the field", async () => {
  await assert.rejects(client.run("cobol", "DISPLAY 'HI'."), (error: unknown) => {
    assert.ok(error instanceof ForgeExecError);
    assert.equal(error.codeName, "INVALID_ARGUMENT");
    assert.match(error.details, /runtime/);
    assert.match(error.message, /^Execute failed: INVALID_ARGUMENT: /);
    return true;
  });
});

test("a passed deadline rejects with DEADLINE_EXCEEDED", async () => {
  await assert.rejects(client.run("bash", "sleep 30", { deadlineMs: 500 }), (error: unknown) => {
    assert.ok(error instanceof ForgeExecError);
    assert.equal(error.codeName, "DEADLINE_EXCEEDED");
    return true;
  });
});

test("leaving the stream early cancels the call", async () => {
  const code = 'console.log("first"); setInterval(() => console.log("more"), 10);';
  let outputs = 0;
  for await (const event of client.stream("javascript", code, { deadlineMs: 20_000 })) {
    if (event.event === "output") {
      outputs++;
      break;
    }
  }
  assert.equal(outputs, 1);
  // The server is still healthy and serves the next call at once.
  const result = await client.run("bash", "echo next");
  assert.equal(result.stdout, "next\n");
});

test("listRuntimes names all four runtimes with versions", async () => {
  const runtimes = await client.listRuntimes();
  const names = runtimes.map((runtime) => runtime.name).sort();
  assert.deepEqual(names, ["bash", "javascript", "python", "typescript"]);
  for (const runtime of runtimes) assert.notEqual(runtime.version, "", runtime.name);
  const python = runtimes.find((runtime) => runtime.name === "python");
  assert.ok(python?.extensions.includes(".py"));
});

test("health reports SERVING for the server and the service", async () => {
  assert.equal(await client.checkHealth(), "SERVING");
  assert.equal(await client.checkHealth("forge.exec.v1.ExecutionService"), "SERVING");
  await assert.rejects(client.checkHealth("no.such.Service"), (error: unknown) => {
    assert.ok(error instanceof ForgeExecError);
    assert.equal(error.codeName, "NOT_FOUND");
    return true;
  });
});

test("approval calls either answer or surface the gRPC status clearly", async () => {
  try {
    const { approvals } = await client.listApprovals("APPROVAL_STATE_PENDING");
    assert.ok(Array.isArray(approvals));
  } catch (error) {
    assert.ok(error instanceof ForgeExecError, String(error));
    assert.equal(error.codeName, "UNIMPLEMENTED");
    assert.match(error.message, /^ListApprovals failed: UNIMPLEMENTED: \S/);
  }
  // An approval id that does not exist is never a success.
  await assert.rejects(client.decideApproval("ap_does_not_exist", "approve"), (error: unknown) => {
    assert.ok(error instanceof ForgeExecError, String(error));
    assert.ok(
      ["UNIMPLEMENTED", "NOT_FOUND", "INVALID_ARGUMENT", "PERMISSION_DENIED"].includes(
        error.codeName,
      ),
      error.message,
    );
    assert.match(error.message, /^DecideApproval failed: /);
    return true;
  });
});
