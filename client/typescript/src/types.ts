// Plain TypeScript shapes of the forge.exec.v1 messages the client hands out.
// They mirror proto/forge/exec/v1/execution.proto as @grpc/proto-loader
// decodes it (field names as in the proto, enums as their names, 64-bit
// integers as decimal strings, bytes as Buffer).

export type Outcome =
  | "OUTCOME_UNSPECIFIED"
  | "OUTCOME_EXITED"
  | "OUTCOME_SIGNALED"
  | "OUTCOME_WALL_TIMEOUT"
  | "OUTCOME_CPU_TIMEOUT"
  | "OUTCOME_MEMORY_LIMIT"
  | "OUTCOME_OUTPUT_LIMIT"
  | "OUTCOME_PROCESS_LIMIT"
  | "OUTCOME_SANDBOX_VIOLATION"
  | "OUTCOME_CANCELLED"
  | "OUTCOME_BLOCKED"
  | "OUTCOME_APPROVAL_PENDING"
  | "OUTCOME_APPROVAL_DENIED"
  | "OUTCOME_APPROVAL_EXPIRED"
  | "OUTCOME_INTERNAL_ERROR";

export type RiskLevel =
  | "RISK_LEVEL_UNSPECIFIED"
  | "RISK_LEVEL_LOW"
  | "RISK_LEVEL_MEDIUM"
  | "RISK_LEVEL_HIGH"
  | "RISK_LEVEL_CRITICAL";

export type PolicyAction =
  | "POLICY_ACTION_UNSPECIFIED"
  | "POLICY_ACTION_AUTO_APPROVE"
  | "POLICY_ACTION_APPROVE_WITH_LOG"
  | "POLICY_ACTION_REQUIRE_APPROVAL"
  | "POLICY_ACTION_BLOCK";

export type ApprovalState =
  | "APPROVAL_STATE_UNSPECIFIED"
  | "APPROVAL_STATE_PENDING"
  | "APPROVAL_STATE_APPROVED"
  | "APPROVAL_STATE_DENIED"
  | "APPROVAL_STATE_EXPIRED";

export type StreamName = "STREAM_UNSPECIFIED" | "STREAM_STDOUT" | "STREAM_STDERR";

/** google.protobuf.Duration / Timestamp as decoded (seconds is a string). */
export interface ProtoDuration {
  seconds: string;
  nanos: number;
}
export type ProtoTimestamp = ProtoDuration;

export interface Finding {
  rule_id: string;
  type: string;
  score: number;
  line: number;
  column: number;
  excerpt: string;
  description: string;
}

export interface RiskAssessment {
  level: RiskLevel;
  score: number;
  types: string[];
  findings: Finding[];
  mitigations: string[];
  policy_version: string;
}

export interface Accepted {
  execution_id: string;
  assessment: RiskAssessment | null;
  action: PolicyAction;
}

export interface ApprovalRequired {
  approval_id: string;
  expires_at: ProtoTimestamp | null;
}

export interface ApprovalResolved {
  decision: string;
  approver: string;
  reason: string;
}

export interface Started {
  runtime: string;
  runtime_version: string;
  sandbox_id: string;
  queued: ProtoDuration | null;
  warm: boolean;
  protections: string[];
}

export interface Output {
  stream: StreamName;
  data: Buffer;
  offset: string;
}

export interface AuditRecord {
  sequence: string;
  time: ProtoTimestamp | null;
  type: string;
  tenant: string;
  principal: string;
  execution_id: string;
  session_id: string;
  details: Record<string, string>;
  prev_hash: string;
  hash: string;
}

export interface ResourceUsage {
  wall_time: ProtoDuration | null;
  cpu_time: ProtoDuration | null;
  peak_memory_bytes: string;
}

export interface OutputFile {
  path: string;
  content: Buffer;
  truncated: boolean;
}

export interface Finished {
  outcome: Outcome;
  exit_code: number;
  signal: number;
  usage: ResourceUsage | null;
  stdout_bytes: string;
  stderr_bytes: string;
  stdout_truncated: boolean;
  stderr_truncated: boolean;
  redactions: Record<string, string>;
  files: OutputFile[];
  message: string;
}

/** One event of an Execute stream; `event` names the field that is set. */
export type ExecuteEvent =
  | { event: "accepted"; accepted: Accepted }
  | { event: "approval_required"; approval_required: ApprovalRequired }
  | { event: "approval_resolved"; approval_resolved: ApprovalResolved }
  | { event: "started"; started: Started }
  | { event: "output"; output: Output }
  | { event: "audit"; audit: AuditRecord }
  | { event: "finished"; finished: Finished };

export interface Runtime {
  name: string;
  version: string;
  ready: number;
  warm: boolean;
  extensions: string[];
}

export interface Approval {
  approval_id: string;
  execution_id: string;
  tenant: string;
  requester: string;
  code_sha256: string;
  runtime: string;
  assessment: RiskAssessment | null;
  state: ApprovalState;
  created_at: ProtoTimestamp | null;
  expires_at: ProtoTimestamp | null;
  decided_by: string;
  reason: string;
  approval_token: string;
}

export interface ChainHead {
  sequence: string;
  hash: string;
  signed_at: ProtoTimestamp | null;
}

export interface EvidencePack {
  execution_id: string;
  records: AuditRecord[];
  chain_head: ChainHead | null;
  signature: Buffer;
  public_key: Buffer;
  links: { sequence: string; prev_hash: string; hash: string }[];
}

/** Limits of one execution; unset fields take the server's defaults. */
export interface Limits {
  wallTimeMs?: number;
  cpuTimeMs?: number;
  memoryBytes?: number;
  maxProcesses?: number;
  maxOutputBytes?: number;
  maxFileBytes?: number;
  workspaceBytes?: number;
}

export interface InputFile {
  /** Relative to /workspace. */
  path: string;
  content: string | Uint8Array;
  /** Permission bits, e.g. 0o755; default 0o644. */
  mode?: number;
  classification?: "PUBLIC" | "INTERNAL" | "CONFIDENTIAL" | "RESTRICTED";
}

/** Everything of an ExecuteRequest besides runtime and code. */
export interface RunOptions {
  stdin?: string | Uint8Array;
  args?: string[];
  env?: Record<string, string>;
  files?: InputFile[];
  limits?: Limits;
  /** "none" (default: loopback only) or "egress". */
  network?: "none" | "egress";
  outputFiles?: string[];
  sessionId?: string;
  approvalToken?: string;
  /** How long the stream waits for an approval decision. */
  approvalWaitMs?: number;
  labels?: Record<string, string>;
  /** gRPC deadline of the call; when it passes the sandbox is killed. */
  deadlineMs?: number;
  /** Aborting cancels the call (the execution ends CANCELLED). */
  signal?: AbortSignal;
}

/** The collected outcome of one execution (see ForgeExecClient.run). */
export interface Result {
  executionId: string;
  outcome: Outcome;
  exitCode: number;
  signal: number;
  /** Redacted stdout and stderr, decoded as UTF-8. */
  stdout: string;
  stderr: string;
  /** Detail for outcomes other than EXITED. */
  message: string;
  action: PolicyAction | "";
  assessment: RiskAssessment | null;
  runtimeVersion: string;
  sandboxId: string;
  protections: string[];
  wallTimeMs: number;
  cpuTimeMs: number;
  peakMemoryBytes: number;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Redaction counts by type, e.g. { EMAIL: 2 }. */
  redactions: Record<string, number>;
  files: OutputFile[];
  /** Set when the execution waits for an approval (APPROVAL_PENDING). */
  approvalId: string;
  events: ExecuteEvent[];
}
