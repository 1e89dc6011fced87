#!/usr/bin/python3
"""Checks deploy/kubernetes/ without a cluster: every file parses as YAML,
the expected kinds are there, and the objects agree with each other (names,
labels, ports, volumes), with the server (config fields, health service name)
and with the sandbox's needs (security context, seccomp profile).

Usage: kubernetes_manifests_test.py SOURCE_DIR
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml  # Debian: python3-yaml

SOURCE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
MANIFESTS = os.path.join(SOURCE, "deploy", "kubernetes")
SERVICE_NAME = "forge.exec.v1.ExecutionService"


def load_all():
    objects = []
    for path in sorted(glob.glob(os.path.join(MANIFESTS, "*.yaml"))):
        with open(path) as manifest:
            for document in yaml.safe_load_all(manifest):
                if document is not None:
                    objects.append((os.path.basename(path), document))
    return objects


def matches(selector, labels):
    return all(labels.get(key) == value for key, value in selector.items())


class KubernetesManifestsTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.files = load_all()
        cls.objects = [obj for name, obj in cls.files if obj.get("kind") != "Kustomization"]
        cls.by_kind = {}
        for obj in cls.objects:
            cls.by_kind.setdefault(obj["kind"], []).append(obj)
        (cls.deployment,) = cls.by_kind["Deployment"]
        cls.pod = cls.deployment["spec"]["template"]
        (cls.container,) = cls.pod["spec"]["containers"]

    def one(self, kind, name=None):
        found = [obj for obj in self.by_kind.get(kind, [])
                 if name is None or obj["metadata"]["name"] == name]
        self.assertEqual(len(found), 1, f"{kind} {name or ''}")
        return found[0]

    def test_expected_kinds(self):
        kinds = set(self.by_kind)
        self.assertLessEqual(
            {"Namespace", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim",
             "Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
             "NetworkPolicy", "ServiceMonitor"}, kinds)

    def test_every_object_is_well_formed_and_namespaced(self):
        for obj in self.objects:
            self.assertIn("apiVersion", obj)
            name = obj["metadata"]["name"]
            self.assertRegex(name, r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
            if obj["kind"] != "Namespace":
                self.assertEqual(obj["metadata"].get("namespace"), "forge-exec",
                                 f"{obj['kind']} {name}")

    def test_kustomization_lists_every_file(self):
        (kustomization,) = [obj for name, obj in self.files if obj.get("kind") == "Kustomization"]
        listed = set(kustomization["resources"])
        files = {name for name, obj in self.files if obj.get("kind") != "Kustomization"}
        self.assertEqual(listed, files)

    def test_services_select_the_pods_and_their_ports(self):
        labels = self.pod["metadata"]["labels"]
        self.assertEqual(self.deployment["spec"]["selector"]["matchLabels"],
                         {k: labels[k] for k in self.deployment["spec"]["selector"]["matchLabels"]})
        port_names = {port["name"]: port["containerPort"] for port in self.container["ports"]}
        self.assertEqual(port_names, {"grpc": 50051, "metrics": 9464})
        for service in self.by_kind["Service"]:
            self.assertTrue(matches(service["spec"]["selector"], labels),
                            service["metadata"]["name"])
            for port in service["spec"]["ports"]:
                self.assertIn(port["targetPort"], port_names)
        headless = self.one("Service", "forge-exec-headless")
        self.assertEqual(headless["spec"]["clusterIP"], "None")

    def test_probes_use_grpc_health(self):
        readiness = self.container["readinessProbe"]["grpc"]
        self.assertEqual(readiness["port"], 50051)
        # NOT_SERVING while draining, so the pod leaves the endpoints first.
        self.assertEqual(readiness["service"], SERVICE_NAME)
        self.assertEqual(self.container["livenessProbe"]["grpc"]["port"], 50051)
        self.assertIn("grpc", self.container["startupProbe"])
        with open(os.path.join(SOURCE, "server", "main.cc")) as main:
            self.assertIn(f'"{SERVICE_NAME}"', main.read())

    def test_grace_period_covers_the_drain_timeout(self):
        config = self.server_config()
        drain = config.drain_timeout.seconds
        self.assertGreater(drain, 0)
        self.assertGreater(self.pod["spec"]["terminationGracePeriodSeconds"], drain)

    def test_security_context_is_minimal_and_not_privileged(self):
        pod_spec = self.pod["spec"]
        context = self.container["securityContext"]
        self.assertIs(pod_spec["hostUsers"], False)
        self.assertIs(context["privileged"], False)
        self.assertIs(context["allowPrivilegeEscalation"], False)
        self.assertIs(context["readOnlyRootFilesystem"], True)
        self.assertEqual(context["capabilities"]["drop"], ["ALL"])
        self.assertEqual(sorted(context["capabilities"]["add"]), ["SETGID", "SETUID"])
        self.assertEqual(context["procMount"], "Unmasked")
        self.assertFalse(pod_spec.get("hostPID") or pod_spec.get("hostNetwork")
                         or pod_spec.get("hostIPC"))
        self.assertIs(pod_spec["automountServiceAccountToken"], False)
        seccomp = pod_spec["securityContext"]["seccompProfile"]
        self.assertEqual(seccomp["type"], "Localhost")
        self.assertTrue(os.path.isfile(os.path.join(MANIFESTS, "seccomp",
                                                    seccomp["localhostProfile"])))

    def test_seccomp_profile_never_hides_a_sandbox_violation(self):
        with open(os.path.join(MANIFESTS, "seccomp", "forge-execd.json")) as profile_file:
            profile = json.load(profile_file)
        self.assertEqual(profile["defaultAction"], "SCMP_ACT_ALLOW")
        denied = {}
        for rule in profile["syscalls"]:
            self.assertEqual(rule["action"], "SCMP_ACT_ERRNO")
            for name in rule["names"]:
                denied[name] = rule["errnoRet"]
        self.assertTrue(denied)
        with open(os.path.join(SOURCE, "sandbox", "seccomp_sandbox_policy.cc")) as policy:
            source = policy.read()
        violations_block = re.search(r"kViolations\[\] = \{(.*?)\n\};", source, re.S).group(1)
        violations = set(re.findall(r'"(\w+)"', violations_block))
        self.assertIn("ptrace", violations)
        self.assertEqual(set(denied) & violations, set(),
                         "an ERRNO here would win over the sandbox's USER_NOTIF")
        # What the sandbox refuses with an errno, it refuses with the same one.
        errno_numbers = {"ENOSYS": 38, "EPERM": 1, "EOPNOTSUPP": 95}
        for name, errno_name in re.findall(r'\{"(\w+)", (E[A-Z]+)\}', source):
            if name in denied:
                self.assertEqual(denied[name], errno_numbers[errno_name], name)
        # The launcher's own needs.
        for needed in ("clone", "clone3", "unshare", "mount", "umount2", "pivot_root",
                       "setns", "seccomp", "pidfd_open", "pidfd_send_signal", "ioctl"):
            self.assertNotIn(needed, denied)

    def test_volumes_reference_existing_objects(self):
        volumes = {volume["name"]: volume for volume in self.pod["spec"]["volumes"]}
        for mount in self.container["volumeMounts"]:
            self.assertIn(mount["name"], volumes)
        self.one("ConfigMap", volumes["config"]["configMap"]["name"])
        self.one("Secret", volumes["secrets"]["secret"]["secretName"])
        claim = self.one("PersistentVolumeClaim",
                         volumes["audit"]["persistentVolumeClaim"]["claimName"])
        self.assertIn("ReadWriteMany", claim["spec"]["accessModes"])
        audit = next(m for m in self.container["volumeMounts"] if m["name"] == "audit")
        self.assertEqual(audit["subPathExpr"], "$(POD_NAME)")
        env = {item["name"]: item for item in self.container["env"]}
        self.assertEqual(env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name")

    def test_secret_holds_the_shared_signing_material(self):
        secret = self.one("Secret")
        self.assertLessEqual({"tokens.textproto", "approval-signing.pem", "audit-signing.pem"},
                             set(secret["stringData"]))

    def server_config(self):
        """The ConfigMap's config.textproto parsed as forge.exec.v1.ServerConfig."""
        from google.protobuf import text_format
        sys.path.insert(0, os.path.join(SOURCE, "client", "python"))
        from forge_exec import _stubs
        text = self.one("ConfigMap")["data"]["config.textproto"]
        with tempfile.TemporaryDirectory() as out:
            _stubs.generate(out, os.path.join(SOURCE, "proto"))
            sys.path.insert(0, out)
            try:
                from forge.exec.v1 import config_pb2
            finally:
                sys.path.remove(out)
        return text_format.Parse(text, config_pb2.ServerConfig())

    def test_config_parses_and_listens_where_the_pod_expects(self):
        config = self.server_config()
        self.assertEqual(config.listen, "0.0.0.0:50051")
        self.assertEqual(config.metrics_listen, "0.0.0.0:9464")

    def test_non_loopback_listener_has_authentication_from_the_secret(self):
        # forge-execd refuses 0.0.0.0 without auth: tokens come from the
        # Secret's tokens.textproto, at the path the Secret is mounted.
        config = self.server_config()
        self.assertFalse(config.auth.identity_from_metadata)
        mount = next(m for m in self.container["volumeMounts"] if m["name"] == "secrets")
        self.assertTrue(mount.get("readOnly"))
        self.assertEqual(config.auth.tokens_file,
                         os.path.join(mount["mountPath"], "tokens.textproto"))
        secret = self.one("Secret")
        from google.protobuf import text_format
        sys.path.insert(0, os.path.join(SOURCE, "client", "python"))
        from forge_exec import _stubs
        with tempfile.TemporaryDirectory() as out:
            _stubs.generate(out, os.path.join(SOURCE, "proto"))
            sys.path.insert(0, out)
            try:
                from forge.exec.v1 import config_pb2
            finally:
                sys.path.remove(out)
        # The placeholder parses as the file the server reads, and holds no
        # token that would let anyone in.
        tokens = text_format.Parse(secret["stringData"]["tokens.textproto"],
                                   config_pb2.AuthTokens())
        self.assertEqual(len(tokens.tokens), 0)
        self.assertEqual(len(config.auth.tokens), 0)

    def test_autoscaler_and_disruption_budget_target_the_deployment(self):
        hpa = self.one("HorizontalPodAutoscaler")
        self.assertEqual(hpa["apiVersion"], "autoscaling/v2")
        self.assertEqual(hpa["spec"]["scaleTargetRef"]["kind"], "Deployment")
        self.assertEqual(hpa["spec"]["scaleTargetRef"]["name"],
                         self.deployment["metadata"]["name"])
        self.assertGreaterEqual(hpa["spec"]["minReplicas"], 2)
        self.assertTrue(self.container["resources"]["requests"]["cpu"],
                        "CPU utilisation needs a CPU request")
        pdb = self.one("PodDisruptionBudget")
        self.assertTrue(matches(pdb["spec"]["selector"]["matchLabels"],
                                self.pod["metadata"]["labels"]))

    def test_network_policy_allows_orchestrators_in_and_nothing_out(self):
        policy = self.one("NetworkPolicy")
        spec = policy["spec"]
        self.assertTrue(matches(spec["podSelector"]["matchLabels"], self.pod["metadata"]["labels"]))
        self.assertEqual(sorted(spec["policyTypes"]), ["Egress", "Ingress"])
        self.assertEqual(spec["egress"], [])
        ports = sorted(port["port"] for rule in spec["ingress"] for port in rule["ports"])
        self.assertEqual(ports, [9464, 50051])
        grpc_rule = next(rule for rule in spec["ingress"] if rule["ports"][0]["port"] == 50051)
        self.assertEqual(grpc_rule["from"][0]["podSelector"]["matchLabels"],
                         {"forge-exec.io/client": "true"})

    def test_service_monitor_scrapes_one_service_on_the_metrics_port(self):
        monitor = self.one("ServiceMonitor")
        self.assertEqual(monitor["apiVersion"], "monitoring.coreos.com/v1")
        selected = [service for service in self.by_kind["Service"]
                    if matches(monitor["spec"]["selector"]["matchLabels"],
                               service["metadata"]["labels"])]
        self.assertEqual(len(selected), 1, "each pod must be scraped once")
        (endpoint,) = monitor["spec"]["endpoints"]
        self.assertIn(endpoint["port"], {port["name"] for port in selected[0]["spec"]["ports"]})
        self.assertEqual(endpoint["path"], "/metrics")

    def test_kustomize_builds_when_kubectl_is_installed(self):
        if shutil.which("kubectl") is None:
            self.skipTest("kubectl is not installed")
        built = subprocess.run(["kubectl", "kustomize", MANIFESTS],
                               capture_output=True, text=True)
        self.assertEqual(built.returncode, 0, built.stderr)
        kinds = sorted(doc["kind"] for doc in yaml.safe_load_all(built.stdout) if doc)
        self.assertEqual(kinds, sorted(obj["kind"] for obj in self.objects))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
