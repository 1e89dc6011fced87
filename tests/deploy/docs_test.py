#!/usr/bin/python3
"""The reference docs cover what they claim to cover:

- docs/CONFIG.md documents every field of every message reachable from
  forge.exec.v1.ServerConfig, in the section of that message;
- docs/API.md names every RPC of ExecutionService and every Outcome;
- docs/OPERATIONS.md's metrics table lists every metric the alert rules
  use, and the alerts table every alert.

Usage: docs_test.py SOURCE_DIR
"""

import os
import re
import sys
import tempfile
import unittest

import yaml

SOURCE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
sys.path.insert(0, os.path.join(SOURCE, "client", "python"))

from forge_exec import _stubs  # noqa: E402


def read(*path):
    with open(os.path.join(SOURCE, *path)) as text:
        return text.read()


def section(markdown, title):
    """Text under the heading that names `title` up to the next heading of
    the same or a higher level."""
    match = re.search(rf"^(#+) .*`{re.escape(title)}`.*$", markdown, re.M)
    if not match:
        return None
    level = len(match.group(1))
    rest = markdown[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[:end.start()] if end else rest


class DocsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stubs = tempfile.TemporaryDirectory()
        _stubs.generate(cls.stubs.name, os.path.join(SOURCE, "proto"))
        sys.path.insert(0, cls.stubs.name)
        from forge.exec.v1 import config_pb2, execution_pb2
        cls.config_pb2 = config_pb2
        cls.execution_pb2 = execution_pb2

    @classmethod
    def tearDownClass(cls):
        sys.path.remove(cls.stubs.name)
        cls.stubs.cleanup()

    def test_config_md_documents_every_config_field(self):
        doc = read("docs", "CONFIG.md")
        pending = [self.config_pb2.ServerConfig.DESCRIPTOR]
        seen = set()
        missing = []
        while pending:
            message = pending.pop()
            if message.full_name in seen:
                continue
            seen.add(message.full_name)
            text = section(doc, message.name)
            if text is None:
                missing.append(f"section for {message.name}")
                continue
            for field in message.fields:
                if f"`{field.name}`" not in text:
                    missing.append(f"{message.name}.{field.name}")
                child = field.message_type
                if (child is not None and not child.GetOptions().map_entry
                        and not child.full_name.startswith("google.protobuf.")):
                    pending.append(child)
        self.assertGreater(len(seen), 5)
        self.assertEqual(missing, [])

    def test_api_md_names_every_rpc_and_outcome(self):
        doc = read("docs", "API.md")
        service = self.execution_pb2.DESCRIPTOR.services_by_name["ExecutionService"]
        self.assertGreater(len(service.methods), 5)
        for method in service.methods:
            self.assertIsNotNone(re.search(rf"^#+ {method.name}$", doc, re.M),
                                 f"no section for {method.name}")
        outcomes = [value.name for value in self.execution_pb2.Outcome.DESCRIPTOR.values]
        self.assertGreater(len(outcomes), 10)
        for outcome in outcomes:
            self.assertIn(f"`{outcome}`", doc)

    def test_operations_md_covers_the_alert_rules(self):
        doc = read("docs", "OPERATIONS.md")
        documented = set(re.findall(r"^\| `(forge_exec_\w+)` \| (?:counter|gauge|histogram) \|",
                                    doc, re.M))
        with open(os.path.join(SOURCE, "deploy", "prometheus", "alerts.yml")) as rules_file:
            groups = yaml.safe_load(rules_file)["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        used = set()
        for rule in rules:
            for name in re.findall(r"\bforge_exec_\w+", rule["expr"]):
                used.add(re.sub(r"_(bucket|sum|count)$", "", name))
            self.assertIn(f"`{rule['alert']}`", doc)
        self.assertGreater(len(used), 5)
        self.assertEqual(used - documented, set())
        for name in documented:
            if name.endswith("_total"):
                continue
            self.assertFalse(name.endswith(("_count", "_sum", "_bucket")), name)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
