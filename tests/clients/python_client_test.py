#!/usr/bin/python3
"""Integration test of the Python client (client/python) against a running
forge-execd whose address is in $FORGE_EXEC_ADDRESS (with_server.sh starts
one). Runs on Debian's /usr/bin/python3 with python3-grpcio."""

import os
import sys
import unittest

import grpc

sys.path.insert(0, os.path.join(os.environ["FORGE_SOURCE_DIR"], "client", "python"))

from forge_exec import (ForgeExecClient, ForgeExecError, InputFile,  # noqa: E402
                        Limits)
from forge_exec import health  # noqa: E402


class PythonClientTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.client = ForgeExecClient(os.environ["FORGE_EXEC_ADDRESS"])

    @classmethod
    def tearDownClass(cls):
        cls.client.close()

    def test_run_collects_output_exit_code_and_ids(self):
        result = self.client.run(
            "python",
            "import sys\nprint('out line')\nprint('err line', file=sys.stderr)\n"
            "sys.exit(7)\n")
        self.assertEqual(result.outcome, "OUTCOME_EXITED", result.message)
        self.assertEqual(result.exit_code, 7)
        self.assertFalse(result.ok)
        self.assertEqual(result.stdout, "out line\n")
        self.assertEqual(result.stderr, "err line\n")
        self.assertEqual(result.stdout_bytes, b"out line\n")
        self.assertTrue(result.execution_id.startswith("ex_"), result.execution_id)
        self.assertTrue(result.runtime_version.startswith("Python 3."))
        self.assertNotEqual(result.sandbox_id, "")
        self.assertGreater(result.wall_time, 0.0)
        self.assertEqual(result.action, "POLICY_ACTION_AUTO_APPROVE")

    def test_ok_is_true_only_for_exit_zero(self):
        self.assertTrue(self.client.run("bash", "true").ok)

    def test_stream_event_order(self):
        kinds = [event.WhichOneof("event") for event in self.client.stream(
            "javascript", "console.log('a'); console.error('b');")]
        self.assertEqual(kinds[0], "accepted")
        self.assertEqual(kinds[-1], "finished")
        self.assertEqual(kinds.count("finished"), 1)
        self.assertIn("started", kinds)
        self.assertGreater(kinds.index("output"), kinds.index("started"), kinds)

    def test_stdin_args_env_and_files_reach_the_program(self):
        result = self.client.run(
            "bash", 'printf "%s|%s|%s|%s|%s" "$1" "$GREETING" "$(cat note.txt)" '
                    '"$(stat -c %a tool.sh)" "$(cat)"',
            args=["first"], env={"GREETING": "hi"}, stdin=b"from stdin",
            files=[InputFile("note.txt", "from a file"),
                   InputFile("tool.sh", b"#!/bin/sh\n", mode=0o755)])
        self.assertEqual(result.outcome, "OUTCOME_EXITED", result.message)
        self.assertEqual(result.stdout, "first|hi|from a file|755|from stdin")

    def test_files_as_mapping(self):
        result = self.client.run("python", "print(open('data.txt').read())",
                                 files={"data.txt": "mapped"})
        self.assertEqual(result.stdout, "mapped\n")

    def test_typescript_runs(self):
        result = self.client.run("typescript", "const n: number = 6 * 7;\nconsole.log(n);\n")
        self.assertEqual(result.outcome, "OUTCOME_EXITED", result.message + result.stderr)
        self.assertEqual(result.stdout, "42\n")

    def test_wall_time_limit_is_an_outcome(self):
        result = self.client.run("bash", "sleep 30", limits=Limits(wall_time=0.3))
        self.assertEqual(result.outcome, "OUTCOME_WALL_TIMEOUT")
        self.assertNotEqual(result.message, "")

    def test_gated_code_is_a_result_not_an_error(self):
        # CARS rates an unbounded loop HIGH: the default policy holds it for
        # approval (a server without CARS runs it into the wall clock).
        result = self.client.run("bash", "while :; do :; done",
                                 limits=Limits(wall_time=0.3))
        kinds = [event.WhichOneof("event") for event in result.events]
        if result.outcome == "OUTCOME_APPROVAL_PENDING":
            self.assertEqual(result.action, "POLICY_ACTION_REQUIRE_APPROVAL")
            self.assertNotEqual(result.message, "")
            self.assertNotIn("started", kinds)
            self.assertEqual(result.stdout, "")
        else:
            self.assertEqual(result.outcome, "OUTCOME_WALL_TIMEOUT")
            self.assertIn("started", kinds)
        self.assertEqual(kinds[-1], "finished")

    def test_limit_above_server_maximum_is_invalid_argument(self):
        with self.assertRaises(ForgeExecError) as raised:
            self.client.run("bash", "true", limits=Limits(wall_time=100000))
        self.assertEqual(raised.exception.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("limits.wall_time", raised.exception.details)

    def test_unknown_runtime_raises_invalid_argument(self):
        with self.assertRaises(ForgeExecError) as raised:
            self.client.run("cobol", "DISPLAY 'HI'.")
        error = raised.exception
        self.assertEqual(error.code, grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(error.method, "Execute")
        self.assertIn("runtime", error.details)
        self.assertTrue(str(error).startswith("Execute failed: INVALID_ARGUMENT: "))

    def test_deadline_raises_deadline_exceeded(self):
        with self.assertRaises(ForgeExecError) as raised:
            self.client.run("bash", "sleep 30", timeout=0.5)
        self.assertEqual(raised.exception.code, grpc.StatusCode.DEADLINE_EXCEEDED)

    def test_closing_the_stream_early_cancels_and_server_serves_on(self):
        events = self.client.stream(
            "javascript",
            "console.log('first'); setInterval(() => console.log('more'), 10);",
            timeout=20)
        for event in events:
            if event.WhichOneof("event") == "output":
                break
        events.close()
        self.assertEqual(self.client.run("bash", "echo next").stdout, "next\n")

    def test_list_runtimes(self):
        runtimes = {runtime.name: runtime for runtime in self.client.list_runtimes()}
        self.assertEqual(sorted(runtimes),
                         ["bash", "javascript", "python", "typescript"])
        self.assertIn(".py", runtimes["python"].extensions)
        for name, runtime in runtimes.items():
            self.assertNotEqual(runtime.version, "", name)

    def test_health(self):
        self.assertEqual(self.client.check_health(), "SERVING")
        self.assertEqual(self.client.check_health("forge.exec.v1.ExecutionService"),
                         "SERVING")
        with self.assertRaises(ForgeExecError) as raised:
            self.client.check_health("no.such.Service")
        self.assertEqual(raised.exception.code, grpc.StatusCode.NOT_FOUND)

    def test_health_wire_format(self):
        self.assertEqual(health.encode_request(""), b"")
        self.assertEqual(health.encode_request("ab"), b"\x0a\x02ab")
        self.assertEqual(health.decode_status(b"\x08\x01"), "SERVING")
        self.assertEqual(health.decode_status(b"\x08\x02"), "NOT_SERVING")
        self.assertEqual(health.decode_status(b""), "UNKNOWN")

    def test_approval_calls_answer_or_surface_the_status(self):
        try:
            approvals = self.client.list_approvals("PENDING")
            self.assertIsInstance(approvals, list)
        except ForgeExecError as error:
            self.assertEqual(error.code, grpc.StatusCode.UNIMPLEMENTED)
            self.assertRegex(str(error), r"^ListApprovals failed: UNIMPLEMENTED: \S")
        with self.assertRaises(ForgeExecError) as raised:
            self.client.decide_approval("ap_does_not_exist", approve=True)
        self.assertIn(raised.exception.code.name,
                      {"UNIMPLEMENTED", "NOT_FOUND", "INVALID_ARGUMENT",
                       "PERMISSION_DENIED"})
        self.assertTrue(str(raised.exception).startswith("DecideApproval failed: "))


if __name__ == "__main__":
    unittest.main(verbosity=2)
