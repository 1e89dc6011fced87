"""Health probe: exits 0 when forge-execd answers SERVING, 1 otherwise.

    python3 -m forge_exec.probe [--address HOST:PORT] [--service NAME]
                                [--timeout SECONDS]

Used by the container's HEALTHCHECK; needs only python3-grpcio.
"""

from __future__ import annotations

import argparse
import sys

import grpc

from forge_exec import health


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="forge_exec.probe")
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--service", default="forge.exec.v1.ExecutionService")
    parser.add_argument("--timeout", type=float, default=3.0)
    args = parser.parse_args(argv)
    with grpc.insecure_channel(args.address) as channel:
        try:
            status = health.check(channel, args.service, args.timeout)
        except grpc.RpcError as error:
            print(f"{args.address}: {error.code().name}: {error.details()}",
                  file=sys.stderr)
            return 1
    print(f"{args.address} {args.service or '(server)'}: {status}")
    return 0 if status == "SERVING" else 1


if __name__ == "__main__":
    sys.exit(main())
