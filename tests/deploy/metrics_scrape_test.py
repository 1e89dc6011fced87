#!/usr/bin/python3
"""Live metrics test: a real forge-execd with /metrics on a free port, and
Debian's real Prometheus server scraping it.

1. Starts forge-execd (--metrics_listen 127.0.0.1:PORT) and runs a few
   executions through it with the forge-exec CLI (one that exits, one that
   hits the wall-clock limit).
2. Reads /metrics directly: every metric family in the table of
   docs/OPERATIONS.md ("Metrics") must be exposed with the documented type.
3. Starts `prometheus` on a free port with a 1 s scrape of that endpoint and
   deploy/prometheus/alerts.yml loaded, waits for a scrape, and queries its
   HTTP API: the target is up, forge_exec_build_info and the series the
   executions produced are stored, and every alert rule evaluates without
   error against the real series.

Fails (never skips) when the server has no /metrics; exits 77 (skip) only
when not root, since the sandbox needs root.

Usage: metrics_scrape_test.py SOURCE_DIR BUILD_DIR
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

SOURCE = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read().decode()


def documented_metrics():
    """{name: type} from the metrics table in docs/OPERATIONS.md."""
    with open(os.path.join(SOURCE, "docs", "OPERATIONS.md")) as doc:
        rows = re.findall(r"^\| `(forge_exec_\w+)` \| (counter|gauge|histogram) \|",
                          doc.read(), re.M)
    return dict(rows)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            result = predicate()
            if result:
                return result
        except Exception as error:  # noqa: BLE001 - keep polling, report the last
            last = error
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


class MetricsScrapeTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="forge-metrics-test-")
        cls.processes = []
        cls.metrics_port = free_port()
        config = os.path.join(cls.work, "server.textproto")
        with open(config, "w") as out:
            out.write('listen: "127.0.0.1:0"\n'
                      f'metrics_listen: "127.0.0.1:{cls.metrics_port}"\n')
        cls.server_log = open(os.path.join(cls.work, "server.log"), "w")
        server = subprocess.Popen(
            [os.path.join(BUILD, "server", "forge-execd"), "--config", config],
            stdout=subprocess.PIPE, stderr=cls.server_log, text=True)
        cls.processes.append(server)
        line = server.stdout.readline()
        if "listening on " not in line:
            raise AssertionError(f"forge-execd did not start: {line!r}")
        cls.address = line.split("listening on ")[1].strip()

        cli = os.path.join(BUILD, "client", "forge-exec")
        for name, code, extra in (("ok.py", "print('metrics')\n", []),
                                  ("spin.sh", "sleep 5\n", ["--timeout", "300ms"])):
            path = os.path.join(cls.work, name)
            with open(path, "w") as out:
                out.write(code)
            subprocess.run([cli, "--server", cls.address, *extra, "run", path],
                           capture_output=True, timeout=60)

        cls.metrics_error = None
        try:
            http_get(f"http://127.0.0.1:{cls.metrics_port}/metrics")
        except OSError as error:
            cls.metrics_error = (f"forge-execd serves no /metrics on "
                                 f"127.0.0.1:{cls.metrics_port}: {error}")

        cls.prometheus_port = free_port()
        prometheus_config = os.path.join(cls.work, "prometheus.yml")
        with open(prometheus_config, "w") as out:
            out.write(f"""global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - {os.path.join(SOURCE, "deploy", "prometheus", "alerts.yml")}
scrape_configs:
  - job_name: forge-exec
    static_configs:
      - targets: ["127.0.0.1:{cls.metrics_port}"]
""")
        cls.prometheus_log = open(os.path.join(cls.work, "prometheus.log"), "w")
        cls.processes.append(subprocess.Popen(
            ["prometheus", f"--config.file={prometheus_config}",
             f"--storage.tsdb.path={os.path.join(cls.work, 'tsdb')}",
             f"--web.listen-address=127.0.0.1:{cls.prometheus_port}"],
            stdout=cls.prometheus_log, stderr=subprocess.STDOUT))

    @classmethod
    def tearDownClass(cls):
        for process in reversed(cls.processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        cls.server_log.close()
        cls.prometheus_log.close()
        subprocess.run(["rm", "-rf", cls.work])

    def query(self, promql):
        url = (f"http://127.0.0.1:{self.prometheus_port}/api/v1/query?"
               + urllib.parse.urlencode({"query": promql}))
        reply = json.loads(http_get(url))
        self.assertEqual(reply["status"], "success", reply)
        return reply["data"]["result"]

    def test_1_metrics_endpoint_exposes_every_documented_family(self):
        if self.metrics_error:
            self.fail(self.metrics_error)
        text = http_get(f"http://127.0.0.1:{self.metrics_port}/metrics")
        exposed = dict(re.findall(r"^# TYPE (\w+) (\w+)$", text, re.M))
        documented = documented_metrics()
        self.assertGreater(len(documented), 15, "docs/OPERATIONS.md metrics table")
        missing = {name: kind for name, kind in documented.items() if name not in exposed}
        self.assertEqual(missing, {}, "documented but not exposed")
        for name, kind in documented.items():
            self.assertEqual(exposed[name], kind, name)

    def test_2_prometheus_scrapes_the_series(self):
        if self.metrics_error:
            self.fail(self.metrics_error)
        wait_for(lambda: self.query('forge_exec_build_info'), 60,
                 "forge_exec_build_info in Prometheus")
        (up,) = self.query('up{job="forge-exec"}')
        self.assertEqual(up["value"][1], "1")
        (info,) = self.query('forge_exec_build_info')
        self.assertEqual(info["value"][1], "1")
        self.assertIn("version", info["metric"])
        for promql in ('forge_exec_executions_total{runtime="python",outcome="exited"} >= 1',
                       'forge_exec_executions_total{runtime="bash",outcome="wall_timeout"} >= 1',
                       'forge_exec_limit_hits_total{kind="wall_time"} >= 1',
                       'forge_exec_run_seconds_count{runtime="python"} >= 1',
                       'forge_exec_execution_seconds_count >= 1',
                       'forge_exec_queue_seconds_count >= 1',
                       'forge_exec_sandbox_setup_seconds_count >= 1',
                       'forge_exec_pool_ready{runtime="python"}',
                       'forge_exec_pool_in_use{runtime="python"}',
                       'forge_exec_audit_appends_total >= 1',
                       'forge_exec_audit_fsync_seconds_count >= 1',
                       'forge_exec_audit_write_errors_total == 0'):
            self.assertTrue(self.query(promql), promql)

    def test_3_alert_rules_evaluate_against_the_real_series(self):
        if self.metrics_error:
            self.fail(self.metrics_error)
        def evaluated():
            url = f"http://127.0.0.1:{self.prometheus_port}/api/v1/rules"
            groups = json.loads(http_get(url))["data"]["groups"]
            rules = [rule for group in groups for rule in group["rules"]]
            return rules if rules and all(rule.get("lastEvaluation", "").startswith("2")
                                          and not rule["lastEvaluation"].startswith("0001")
                                          for rule in rules) else None
        rules = wait_for(evaluated, 60, "every alert rule to be evaluated")
        for rule in rules:
            self.assertEqual(rule["health"], "ok", f"{rule['name']}: {rule.get('lastError')}")
        firing = [rule["name"] for rule in rules if rule.get("state") == "firing"
                  and rule["name"] in ("ForgeExecDown", "ForgeExecAuditWriteFailing")]
        self.assertEqual(firing, [])


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("SKIP: forge-execd's sandbox needs root")
        sys.exit(77)
    unittest.main(argv=sys.argv[:1], verbosity=2)
