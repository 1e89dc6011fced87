#!/usr/bin/python3
"""Example: run code in forge-execd from Python.

    /usr/bin/python3 client/python/example.py [HOST:PORT]

The address defaults to $FORGE_EXEC_ADDRESS, else 127.0.0.1:50051; a token is
read from $FORGE_EXEC_TOKEN.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from forge_exec import ForgeExecClient, ForgeExecError, Limits  # noqa: E402


def main() -> None:
    address = (sys.argv[1] if len(sys.argv) > 1
               else os.environ.get("FORGE_EXEC_ADDRESS", "127.0.0.1:50051"))
    with ForgeExecClient(address, token=os.environ.get("FORGE_EXEC_TOKEN")) as client:
        print("health:", client.check_health())
        for runtime in client.list_runtimes():
            print(f"runtime {runtime.name}: {runtime.version}")

        # Collect a whole execution.
        result = client.run("python", "import sys\nprint('hello from python')\nsys.exit(3)\n")
        print(f"python said {result.stdout!r}; {result.outcome} exit_code={result.exit_code}")

        # Or watch the events as they come.
        code = "for (let i = 1; i <= 3; i++) console.log('tick ' + i);\n"
        for event in client.stream("javascript", code):
            kind = event.WhichOneof("event")
            if kind == "output":
                stream = client.pb2.Stream.Name(event.output.stream)
                print(f"[{stream}] {event.output.data.decode()}", end="")
            elif kind == "finished":
                outcome = client.pb2.Outcome.Name(event.finished.outcome)
                print(f"finished: {outcome} exit_code={event.finished.exit_code}")
            else:
                print("event:", kind)

        # Input files, stdin and arguments.
        result = client.run(
            "bash", 'echo "$1 $(cat greeting.txt) $(cat)"',
            files={"greeting.txt": "from a file"}, stdin="and stdin", args=["args,"])
        print("bash said", repr(result.stdout))

        # Limits are typed outcomes, not errors.
        slow = client.run("bash", "sleep 30", limits=Limits(wall_time=0.5))
        print(f"sleep: {slow.outcome} ({slow.message})")

        # So is a policy decision: code CARS rates HIGH waits for a person.
        gated = client.run("bash", "while :; do :; done", limits=Limits(wall_time=0.5))
        print(f"busy loop: {gated.outcome} {gated.approval_id}")

        # Calls that never became an execution raise ForgeExecError.
        try:
            client.run("cobol", "DISPLAY 'HI'.")
        except ForgeExecError as error:
            print(f"refused: {error.code.name}: {error.details}")

        # Approvals (approvers of the caller's tenant).
        try:
            for approval in client.list_approvals("PENDING"):
                print("pending approval:", approval.approval_id, approval.runtime)
        except ForgeExecError as error:
            print("approvals:", error)


if __name__ == "__main__":
    main()
