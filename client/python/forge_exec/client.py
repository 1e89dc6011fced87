"""ForgeExecClient: a small typed wrapper over forge.exec.v1.ExecutionService.

    from forge_exec import ForgeExecClient

    with ForgeExecClient("127.0.0.1:50051") as client:
        result = client.run("python", "print(6 * 7)")
        print(result.stdout, result.outcome, result.exit_code)

One client holds one gRPC channel and may be shared by threads. Every call
that fails with a non-OK gRPC status raises ForgeExecError, which names the
method, the status code and the server's message. An execution that ran and
hit a limit is not an error: it is a Result with that outcome.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import grpc

from forge_exec import _stubs, health


class ForgeExecError(Exception):
    """A call ended with a non-OK gRPC status.

    Attributes:
      method: the RPC, e.g. "DecideApproval".
      code: the grpc.StatusCode (UNIMPLEMENTED, INVALID_ARGUMENT, ...).
      details: the server's message.
    """

    def __init__(self, method: str, code: grpc.StatusCode, details: str):
        super().__init__(f"{method} failed: {code.name}: {details}")
        self.method = method
        self.code = code
        self.details = details

    @classmethod
    def from_rpc_error(cls, method: str, error: grpc.RpcError) -> "ForgeExecError":
        return cls(method, error.code(), error.details() or "")


@dataclasses.dataclass
class Limits:
    """Resource limits; None takes the server's default.

    Times are in seconds (fractions allowed, millisecond resolution).
    """

    wall_time: float | None = None
    cpu_time: float | None = None
    memory_bytes: int | None = None
    max_processes: int | None = None
    max_output_bytes: int | None = None
    max_file_bytes: int | None = None
    workspace_bytes: int | None = None


@dataclasses.dataclass
class InputFile:
    """A file written into /workspace before the program starts."""

    path: str
    content: bytes | str
    mode: int = 0  # 0 means 0644
    classification: str = ""  # PUBLIC, INTERNAL, CONFIDENTIAL, RESTRICTED


@dataclasses.dataclass
class Result:
    """The collected outcome of one execution.

    `outcome` is the Outcome enum name, e.g. "OUTCOME_EXITED"; `stdout` and
    `stderr` are the redacted output decoded as UTF-8 (`stdout_bytes` and
    `stderr_bytes` are the raw bytes). Times are in seconds.
    """

    execution_id: str = ""
    outcome: str = "OUTCOME_UNSPECIFIED"
    exit_code: int = 0
    signal: int = 0
    stdout: str = ""
    stderr: str = ""
    stdout_bytes: bytes = b""
    stderr_bytes: bytes = b""
    message: str = ""
    action: str = ""
    assessment: Any = None  # forge.exec.v1.RiskAssessment
    runtime_version: str = ""
    sandbox_id: str = ""
    protections: list[str] = dataclasses.field(default_factory=list)
    wall_time: float = 0.0
    cpu_time: float = 0.0
    peak_memory_bytes: int = 0
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    redactions: dict[str, int] = dataclasses.field(default_factory=dict)
    files: dict[str, bytes] = dataclasses.field(default_factory=dict)
    truncated_files: list[str] = dataclasses.field(default_factory=list)
    approval_id: str = ""
    events: list[Any] = dataclasses.field(default_factory=list)  # ExecuteEvent

    @property
    def ok(self) -> bool:
        """True when the program ran and exited with status 0."""
        return self.outcome == "OUTCOME_EXITED" and self.exit_code == 0


def _seconds(duration) -> float:
    return duration.seconds + duration.nanos / 1e9


def _set_duration(target, seconds: float) -> None:
    nanos = round(seconds * 1e9)
    target.seconds, target.nanos = divmod(nanos, 1_000_000_000)


def _as_bytes(value: bytes | str) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


class ForgeExecClient:
    """Client of one forge-execd.

    Args:
      address: "host:port" of the gRPC listener.
      token: bearer token, sent as `authorization: Bearer <token>`.
      credentials: grpc.ChannelCredentials for TLS; None is plaintext.
      timeout: deadline in seconds of unary calls.
    """

    def __init__(self, address: str = "127.0.0.1:50051", token: str | None = None,
                 *, credentials: grpc.ChannelCredentials | None = None,
                 timeout: float = 30.0):
        self._pb2, pb2_grpc = _stubs.load()
        options = [("grpc.max_receive_message_length", 256 << 20),
                   ("grpc.max_send_message_length", 64 << 20)]
        if credentials is None:
            self._channel = grpc.insecure_channel(address, options=options)
        else:
            self._channel = grpc.secure_channel(address, credentials, options=options)
        self._stub = pb2_grpc.ExecutionServiceStub(self._channel)
        self._metadata = (("authorization", f"Bearer {token}"),) if token else ()
        self._timeout = timeout

    @property
    def pb2(self):
        """The generated forge.exec.v1 message module (execution_pb2)."""
        return self._pb2

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> "ForgeExecClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- Execute -------------------------------------------------------------

    def request(self, runtime: str, code: str, *,
                stdin: bytes | str | None = None,
                args: Sequence[str] = (),
                env: Mapping[str, str] | None = None,
                files: Mapping[str, bytes | str] | Iterable[InputFile] | None = None,
                limits: Limits | None = None,
                network: str = "none",
                output_files: Sequence[str] = (),
                session_id: str = "",
                approval_token: str = "",
                approval_wait: float | None = None,
                labels: Mapping[str, str] | None = None):
        """Builds the ExecuteRequest that run() and stream() send."""
        pb2 = self._pb2
        request = pb2.ExecuteRequest(runtime=runtime, code=code, args=list(args),
                                     output_files=list(output_files),
                                     session_id=session_id,
                                     approval_token=approval_token)
        if stdin is not None:
            request.stdin = _as_bytes(stdin)
        request.env.update(env or {})
        request.labels.update(labels or {})
        if isinstance(files, Mapping):
            files = [InputFile(path, content) for path, content in files.items()]
        for file in files or ():
            item = request.files.add(path=file.path, content=_as_bytes(file.content),
                                     mode=file.mode)
            if file.classification:
                item.classification = pb2.Classification.Value(
                    "CLASSIFICATION_" + file.classification.upper())
        request.network = pb2.NetworkPolicy.Value(
            "NETWORK_POLICY_" + network.upper())
        if limits is not None:
            self._fill_limits(request.limits, limits)
        if approval_wait is not None:
            _set_duration(request.approval_wait, approval_wait)
        return request

    def stream(self, runtime: str, code: str, *, timeout: float | None = None,
               **options) -> Iterator[Any]:
        """Yields the ExecuteEvent messages of one execution as they arrive.

        Order: accepted, [approval_required, approval_resolved], started,
        output and audit events, and finished last. `timeout` is the call's
        deadline in seconds (the sandbox is killed when it passes). Closing
        the generator early cancels the call. Keyword options are those of
        request(). Raises ForgeExecError when the call fails.
        """
        request = self.request(runtime, code, **options)
        call = self._stub.Execute(request, timeout=timeout, metadata=self._metadata)
        try:
            for event in call:
                yield event
        except grpc.RpcError as error:
            raise ForgeExecError.from_rpc_error("Execute", error) from None
        finally:
            call.cancel()  # no-op when the stream already ended

    def run(self, runtime: str, code: str, *, timeout: float | None = None,
            **options) -> Result:
        """Runs `code` and returns the collected Result.

        Any outcome (timeouts, limits, violations, BLOCKED, APPROVAL_PENDING)
        is a Result; ForgeExecError is raised only when the call never became
        an execution or failed in transport (INVALID_ARGUMENT, UNAVAILABLE,
        DEADLINE_EXCEEDED, ...).
        """
        pb2 = self._pb2
        result = Result()
        out: list[bytes] = []
        err: list[bytes] = []
        finished = False
        for event in self.stream(runtime, code, timeout=timeout, **options):
            result.events.append(event)
            kind = event.WhichOneof("event")
            if kind == "accepted":
                result.execution_id = event.accepted.execution_id
                result.assessment = event.accepted.assessment
                result.action = pb2.PolicyAction.Name(event.accepted.action)
            elif kind == "approval_required":
                result.approval_id = event.approval_required.approval_id
            elif kind == "started":
                result.runtime_version = event.started.runtime_version
                result.sandbox_id = event.started.sandbox_id
                result.protections = list(event.started.protections)
            elif kind == "output":
                (err if event.output.stream == pb2.STREAM_STDERR else out).append(
                    event.output.data)
            elif kind == "finished":
                finished = True
                done = event.finished
                result.outcome = pb2.Outcome.Name(done.outcome)
                result.exit_code = done.exit_code
                result.signal = done.signal
                result.message = done.message
                result.wall_time = _seconds(done.usage.wall_time)
                result.cpu_time = _seconds(done.usage.cpu_time)
                result.peak_memory_bytes = done.usage.peak_memory_bytes
                result.stdout_truncated = done.stdout_truncated
                result.stderr_truncated = done.stderr_truncated
                result.redactions = dict(done.redactions)
                for file in done.files:
                    result.files[file.path] = file.content
                    if file.truncated:
                        result.truncated_files.append(file.path)
        if not finished:
            raise ForgeExecError("Execute", grpc.StatusCode.INTERNAL,
                                 "stream ended without a `finished` event")
        result.stdout_bytes = b"".join(out)
        result.stderr_bytes = b"".join(err)
        result.stdout = result.stdout_bytes.decode("utf-8", "replace")
        result.stderr = result.stderr_bytes.decode("utf-8", "replace")
        return result

    # -- Unary calls ---------------------------------------------------------

    def list_runtimes(self) -> list[Any]:
        """The runtimes offered (forge.exec.v1.Runtime: name, version, ...)."""
        response = self._unary("ListRuntimes", self._pb2.ListRuntimesRequest())
        return list(response.runtimes)

    def assess(self, runtime: str, code: str, *, network: str = "none",
               limits: Limits | None = None):
        """CARS's RiskAssessment of `code` without running it."""
        pb2 = self._pb2
        request = pb2.AssessRequest(
            runtime=runtime, code=code,
            network=pb2.NetworkPolicy.Value("NETWORK_POLICY_" + network.upper()))
        if limits is not None:
            self._fill_limits(request.limits, limits)
        return self._unary("Assess", request)

    def list_approvals(self, state: str | None = None, *,
                       page_size: int = 0) -> list[Any]:
        """Every approval of the caller's tenant (all pages).

        `state` filters by ApprovalState name: "PENDING", "APPROVED", "DENIED"
        or "EXPIRED".
        """
        pb2 = self._pb2
        request = pb2.ListApprovalsRequest(page_size=page_size)
        if state:
            request.state = pb2.ApprovalState.Value("APPROVAL_STATE_" + state.upper())
        approvals = []
        while True:
            response = self._unary("ListApprovals", request)
            approvals.extend(response.approvals)
            if not response.next_page_token:
                return approvals
            request.page_token = response.next_page_token

    def decide_approval(self, approval_id: str, approve: bool, reason: str = ""):
        """Approves or denies; returns the Approval (with its token if approved).

        A reason is required to deny.
        """
        decision = self._pb2.DecideApprovalRequest.Decision
        request = self._pb2.DecideApprovalRequest(
            approval_id=approval_id, reason=reason,
            decision=decision.Value("DECISION_APPROVE" if approve else "DECISION_DENY"))
        return self._unary("DecideApproval", request)

    def get_evidence(self, execution_id: str):
        """The EvidencePack (records, chain links, signed head) of an execution."""
        return self._unary("GetEvidence",
                           self._pb2.GetEvidenceRequest(execution_id=execution_id))

    def check_health(self, service: str = "") -> str:
        """grpc.health.v1 status of `service` ("" = the server): "SERVING", ..."""
        try:
            return health.check(self._channel, service, self._timeout, self._metadata)
        except grpc.RpcError as error:
            raise ForgeExecError.from_rpc_error("Health.Check", error) from None

    # -- Internals -----------------------------------------------------------

    def _unary(self, method: str, request):
        try:
            return getattr(self._stub, method)(request, timeout=self._timeout,
                                               metadata=self._metadata)
        except grpc.RpcError as error:
            raise ForgeExecError.from_rpc_error(method, error) from None

    @staticmethod
    def _fill_limits(target, limits: Limits) -> None:
        if limits.wall_time is not None:
            _set_duration(target.wall_time, limits.wall_time)
        if limits.cpu_time is not None:
            _set_duration(target.cpu_time, limits.cpu_time)
        for name in ("memory_bytes", "max_processes", "max_output_bytes",
                     "max_file_bytes", "workspace_bytes"):
            value = getattr(limits, name)
            if value is not None:
                setattr(target, name, value)
