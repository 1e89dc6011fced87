// ForgeExecClient: a small typed wrapper over forge.exec.v1.ExecutionService
// for Node.js (and Deno), built on @grpc/grpc-js and @grpc/proto-loader. The
// service definition is loaded at run time from the repository's proto/ tree,
// so no generated code is needed.
//
// One client holds one gRPC channel; it is safe to use from many concurrent
// calls and should be closed with close() when done.

import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

import type {
  Approval,
  ApprovalState,
  EvidencePack,
  ExecuteEvent,
  Limits,
  ProtoDuration,
  Result,
  RiskAssessment,
  RunOptions,
  Runtime,
} from "./types.ts";

export interface ClientOptions {
  /** Bearer token sent as `authorization: Bearer <token>`. */
  token?: string;
  /** Directory holding forge/exec/v1/execution.proto (default: found). */
  protoDir?: string;
  /** Channel credentials; default insecure (plaintext, for loopback). */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of unary calls; default 30 s. */
  unaryDeadlineMs?: number;
}

/**
 * A call that failed with a non-OK gRPC status. `codeName` is the status
 * name ("INVALID_ARGUMENT", "UNIMPLEMENTED", ...), `details` the server's
 * message.
 */
export class ForgeExecError extends Error {
  readonly code: grpc.status;
  readonly codeName: string;
  readonly details: string;
  readonly method: string;

  constructor(method: string, code: grpc.status, details: string) {
    const codeName = grpc.status[code] ?? String(code);
    super(`${method} failed: ${codeName}: ${details}`);
    this.name = "ForgeExecError";
    this.code = code;
    this.codeName = codeName;
    this.details = details;
    this.method = method;
  }
}

const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

const EXECUTION_PROTO = "forge/exec/v1/execution.proto";
const HEALTH_PROTO = "grpc/health/v1/health.proto";

/**
 * The proto/ directory: FORGE_EXEC_PROTO_DIR, else the first ancestor of
 * this module that has proto/forge/exec/v1/execution.proto.
 */
export function findProtoDir(): string {
  const fromEnv = process.env.FORGE_EXEC_PROTO_DIR;
  if (fromEnv) return fromEnv;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, "proto");
    if (fs.existsSync(path.join(candidate, EXECUTION_PROTO))) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new Error(
        "cannot find proto/forge/exec/v1/execution.proto; set FORGE_EXEC_PROTO_DIR",
      );
    }
    dir = parent;
  }
}

function duration(ms: number | undefined): ProtoDuration | undefined {
  if (ms === undefined) return undefined;
  const whole = Math.floor(ms);
  return {
    seconds: String(Math.floor(whole / 1000)),
    nanos: (whole % 1000) * 1_000_000 + Math.round((ms - whole) * 1_000_000),
  };
}

/** Milliseconds of a decoded Duration (0 when unset). */
export function durationMs(value: ProtoDuration | null | undefined): number {
  if (!value) return 0;
  return Number(value.seconds) * 1000 + value.nanos / 1_000_000;
}

function limitsMessage(limits: Limits | undefined): object | undefined {
  if (!limits) return undefined;
  return {
    wall_time: duration(limits.wallTimeMs),
    cpu_time: duration(limits.cpuTimeMs),
    memory_bytes: limits.memoryBytes,
    max_processes: limits.maxProcesses,
    max_output_bytes: limits.maxOutputBytes,
    max_file_bytes: limits.maxFileBytes,
    workspace_bytes: limits.workspaceBytes,
  };
}

function bytes(value: string | Uint8Array | undefined): Buffer | undefined {
  if (value === undefined) return undefined;
  return typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
}

function executeRequest(runtime: string, code: string, options: RunOptions): object {
  return {
    runtime,
    code,
    files: (options.files ?? []).map((file) => ({
      path: file.path,
      content: bytes(file.content),
      mode: file.mode ?? 0,
      classification: file.classification
        ? `CLASSIFICATION_${file.classification}`
        : "CLASSIFICATION_UNSPECIFIED",
    })),
    stdin: bytes(options.stdin),
    args: options.args ?? [],
    env: options.env ?? {},
    limits: limitsMessage(options.limits),
    network: options.network === "egress" ? "NETWORK_POLICY_EGRESS" : "NETWORK_POLICY_NONE",
    output_files: options.outputFiles ?? [],
    session_id: options.sessionId ?? "",
    approval_token: options.approvalToken ?? "",
    approval_wait: duration(options.approvalWaitMs),
    labels: options.labels ?? {},
  };
}

type UnaryMethod = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

export class ForgeExecClient {
  private readonly service: grpc.Client & Record<string, unknown>;
  private readonly health: grpc.Client & Record<string, unknown>;
  private readonly token?: string;
  private readonly unaryDeadlineMs: number;

  /** Connects (lazily) to forge-execd at `address` ("host:port"). */
  constructor(address: string, options: ClientOptions = {}) {
    const protoDir = options.protoDir ?? findProtoDir();
    const definition = protoLoader.loadSync([EXECUTION_PROTO, HEALTH_PROTO], {
      ...LOADER_OPTIONS,
      includeDirs: [protoDir],
    });
    // deno-lint-ignore no-explicit-any
    const loaded = grpc.loadPackageDefinition(definition) as any;
    const credentials = options.credentials ?? grpc.credentials.createInsecure();
    const channelOptions = {
      "grpc.max_receive_message_length": 256 << 20,
      "grpc.max_send_message_length": 64 << 20,
    };
    this.service = new loaded.forge.exec.v1.ExecutionService(
      address,
      credentials,
      channelOptions,
    );
    // Shares the channel with the service client.
    this.health = new loaded.grpc.health.v1.Health(address, credentials, {
      channelOverride: this.service.getChannel(),
    });
    this.token = options.token;
    this.unaryDeadlineMs = options.unaryDeadlineMs ?? 30_000;
  }

  /** Closes the channel; calls in flight are cancelled. */
  close(): void {
    this.service.close();
  }

  /**
   * Runs `code` and resolves with the collected result once the execution
   * finished, whatever its outcome (a timeout or a sandbox violation is a
   * Result, not an error). Rejects with ForgeExecError when the call never
   * became an execution (INVALID_ARGUMENT, UNAVAILABLE, ...).
   */
  async run(runtime: string, code: string, options: RunOptions = {}): Promise<Result> {
    const result: Result = {
      executionId: "",
      outcome: "OUTCOME_UNSPECIFIED",
      exitCode: 0,
      signal: 0,
      stdout: "",
      stderr: "",
      message: "",
      action: "",
      assessment: null,
      runtimeVersion: "",
      sandboxId: "",
      protections: [],
      wallTimeMs: 0,
      cpuTimeMs: 0,
      peakMemoryBytes: 0,
      stdoutTruncated: false,
      stderrTruncated: false,
      redactions: {},
      files: [],
      approvalId: "",
      events: [],
    };
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let finished = false;
    for await (const event of this.stream(runtime, code, options)) {
      result.events.push(event);
      switch (event.event) {
        case "accepted":
          result.executionId = event.accepted.execution_id;
          result.assessment = event.accepted.assessment;
          result.action = event.accepted.action;
          break;
        case "approval_required":
          result.approvalId = event.approval_required.approval_id;
          break;
        case "started":
          result.runtimeVersion = event.started.runtime_version;
          result.sandboxId = event.started.sandbox_id;
          result.protections = event.started.protections;
          break;
        case "output":
          (event.output.stream === "STREAM_STDERR" ? stderr : stdout).push(event.output.data);
          break;
        case "finished": {
          const done = event.finished;
          finished = true;
          result.outcome = done.outcome;
          result.exitCode = done.exit_code;
          result.signal = done.signal;
          result.message = done.message;
          result.wallTimeMs = durationMs(done.usage?.wall_time);
          result.cpuTimeMs = durationMs(done.usage?.cpu_time);
          result.peakMemoryBytes = Number(done.usage?.peak_memory_bytes ?? 0);
          result.stdoutTruncated = done.stdout_truncated;
          result.stderrTruncated = done.stderr_truncated;
          for (const [type, count] of Object.entries(done.redactions)) {
            result.redactions[type] = Number(count);
          }
          result.files = done.files;
          break;
        }
        default:
          break;
      }
    }
    if (!finished) {
      throw new ForgeExecError("Execute", grpc.status.INTERNAL, "stream ended without `finished`");
    }
    result.stdout = Buffer.concat(stdout).toString("utf8");
    result.stderr = Buffer.concat(stderr).toString("utf8");
    return result;
  }

  /**
   * Yields the events of one execution as they arrive: accepted, then
   * (approval_required, approval_resolved), started, output and audit events,
   * and `finished` last. Leaving the loop early cancels the call, which kills
   * the sandbox.
   */
  async *stream(
    runtime: string,
    code: string,
    options: RunOptions = {},
  ): AsyncGenerator<ExecuteEvent, void, undefined> {
    const callOptions: grpc.CallOptions = {};
    if (options.deadlineMs !== undefined) {
      callOptions.deadline = new Date(Date.now() + options.deadlineMs);
    }
    const execute = this.service.Execute as (
      request: object,
      metadata: grpc.Metadata,
      options: grpc.CallOptions,
    ) => grpc.ClientReadableStream<ExecuteEvent>;
    const call = execute.call(
      this.service,
      executeRequest(runtime, code, options),
      this.metadata(),
      callOptions,
    );
    const abort = () => call.cancel();
    options.signal?.addEventListener("abort", abort, { once: true });
    let done = false;
    try {
      for await (const event of call) {
        yield event as ExecuteEvent;
      }
      done = true;
    } catch (error) {
      throw wrapError("Execute", error);
    } finally {
      options.signal?.removeEventListener("abort", abort);
      if (!done) call.cancel();
    }
  }

  /** The runtimes the server offers, with their versions and pool state. */
  async listRuntimes(): Promise<Runtime[]> {
    const response = (await this.unary("ListRuntimes", {})) as { runtimes: Runtime[] };
    return response.runtimes;
  }

  /** CARS's assessment of `code` without running it. */
  assess(
    runtime: string,
    code: string,
    options: { network?: "none" | "egress"; limits?: Limits } = {},
  ): Promise<RiskAssessment> {
    return this.unary("Assess", {
      runtime,
      code,
      network: options.network === "egress" ? "NETWORK_POLICY_EGRESS" : "NETWORK_POLICY_NONE",
      limits: limitsMessage(options.limits),
    }) as Promise<RiskAssessment>;
  }

  /** Approvals of the caller's tenant, optionally only those in `state`. */
  async listApprovals(
    state: ApprovalState = "APPROVAL_STATE_UNSPECIFIED",
    pageSize = 0,
    pageToken = "",
  ): Promise<{ approvals: Approval[]; nextPageToken: string }> {
    const response = (await this.unary("ListApprovals", {
      state,
      page_size: pageSize,
      page_token: pageToken,
    })) as { approvals: Approval[]; next_page_token: string };
    return { approvals: response.approvals, nextPageToken: response.next_page_token };
  }

  /** Approves or denies a pending approval (a reason is required to deny). */
  decideApproval(
    approvalId: string,
    decision: "approve" | "deny",
    reason = "",
  ): Promise<Approval> {
    return this.unary("DecideApproval", {
      approval_id: approvalId,
      decision: decision === "approve" ? "DECISION_APPROVE" : "DECISION_DENY",
      reason,
    }) as Promise<Approval>;
  }

  /** Every audit record of one execution with the proof of the chain. */
  getEvidence(executionId: string): Promise<EvidencePack> {
    return this.unary("GetEvidence", { execution_id: executionId }) as Promise<EvidencePack>;
  }

  /**
   * The serving status from grpc.health.v1 ("SERVING", "NOT_SERVING", ...)
   * of `service` ("" is the whole server).
   */
  async checkHealth(service = ""): Promise<string> {
    const response = (await this.unary("Check", { service }, this.health)) as {
      status: string;
    };
    return response.status;
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    if (this.token) metadata.set("authorization", `Bearer ${this.token}`);
    return metadata;
  }

  private unary(
    method: string,
    request: object,
    client: grpc.Client & Record<string, unknown> = this.service,
  ): Promise<unknown> {
    const fn = client[method] as UnaryMethod;
    const options = { deadline: new Date(Date.now() + this.unaryDeadlineMs) };
    return new Promise((resolve, reject) => {
      fn.call(client, request, this.metadata(), options, (error, response) => {
        if (error) reject(wrapError(method, error));
        else resolve(response);
      });
    });
  }
}

function wrapError(method: string, error: unknown): unknown {
  const failure = error as Partial<grpc.ServiceError>;
  if (error instanceof ForgeExecError || typeof failure?.code !== "number") return error;
  return new ForgeExecError(method, failure.code, failure.details ?? String(error));
}
