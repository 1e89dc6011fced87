"""grpc.health.v1 checks without generated stubs.

HealthCheckRequest and HealthCheckResponse are one field each, so they are
encoded by hand; this keeps the check usable where only python3-grpcio is
installed (the container's HEALTHCHECK).
"""

from __future__ import annotations

import grpc

CHECK_METHOD = "/grpc.health.v1.Health/Check"

# grpc.health.v1.HealthCheckResponse.ServingStatus
STATUS_NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)


def encode_request(service: str) -> bytes:
    """HealthCheckRequest{service} in protobuf wire format."""
    name = service.encode("utf-8")
    return b"\x0a" + _varint(len(name)) + name if name else b""


def decode_status(response: bytes) -> str:
    """The ServingStatus name in a HealthCheckResponse (UNKNOWN if absent)."""
    status = 0
    at = 0
    while at < len(response):
        key = response[at]
        at += 1
        if key != 0x08:  # only field 1 (varint) is defined
            raise ValueError(f"unexpected field key {key:#x} in HealthCheckResponse")
        value = shift = 0
        while True:
            byte = response[at]
            at += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        status = value
    return STATUS_NAMES.get(status, str(status))


def check(channel: grpc.Channel, service: str = "", timeout: float = 5.0,
          metadata=None) -> str:
    """Calls Health/Check; returns "SERVING", "NOT_SERVING", ...

    Raises grpc.RpcError on failure (NOT_FOUND for a service the server does
    not know).
    """
    call = channel.unary_unary(CHECK_METHOD)  # bytes in, bytes out
    return decode_status(call(encode_request(service), timeout=timeout,
                              metadata=metadata))
