#!/usr/bin/python3
"""Checks the Dockerfile against the repository, without a container engine:

- every COPY source from the build context exists and is not .dockerignored;
- every COPY --from=build source is produced by the build stage;
- every `cmake --build --target T` names a real target, and the binaries the
  build stage installs are where CMake puts those targets;
- the build stage installs every build and library package that
  scripts/install-deps installs, and every apt package named exists;
- the runtime stage provides every shared library the built binaries link
  (ldd + dpkg -S on this machine's build), and the HEALTHCHECK's probe;
- EXPOSE matches the ports the CMD listens on.

Usage: dockerfile_test.py SOURCE_DIR BUILD_DIR
"""

import fnmatch
import os
import re
import shlex
import subprocess
import sys
import unittest

SOURCE = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
BUILD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else os.path.join(SOURCE, "build")
# Present in debian:12-slim (apt and dpkg depend on them).
BASE_IMAGE_PACKAGES = {"libc6", "libgcc-s1", "libstdc++6", "zlib1g"}


class Stage:
    def __init__(self, name):
        self.name = name
        self.instructions = []  # (keyword, argument text)

    def args(self, keyword):
        return [text for key, text in self.instructions if key == keyword]


def parse_dockerfile(path):
    stages = []
    logical = ""
    with open(path) as dockerfile:
        lines = dockerfile.read().splitlines()
    for line in lines + [""]:
        stripped = line.strip()
        if stripped.startswith("#") and not logical:
            continue
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        if logical.strip():
            keyword, _, text = logical.strip().partition(" ")
            keyword = keyword.upper()
            if keyword == "FROM":
                match = re.search(r"\bAS\s+(\S+)", text, re.IGNORECASE)
                stages.append(Stage(match.group(1) if match else f"stage{len(stages)}"))
            stages[-1].instructions.append((keyword, text.strip()))
        logical = ""
    return stages


def apt_packages(run_text):
    """Package names of the `apt-get install` in one RUN."""
    match = re.search(r"apt-get install (.*?)(&&|$)", run_text)
    if not match:
        return []
    return [word for word in shlex.split(match.group(1)) if not word.startswith("-")]


def dockerignore_patterns():
    with open(os.path.join(SOURCE, ".dockerignore")) as ignore:
        return [line.strip() for line in ignore
                if line.strip() and not line.startswith("#")]


def ignored(path, patterns):
    parts = path.strip("/").split("/")
    for pattern in patterns:
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            if fnmatch.fnmatch(prefix, pattern) or fnmatch.fnmatch(prefix, pattern.lstrip("*/")):
                return True
    return False


def cmake_targets():
    """target name -> directory (relative to SOURCE) that defines it."""
    targets = {}
    for root, dirs, files in os.walk(SOURCE):
        dirs[:] = [d for d in dirs if not d.startswith((".", "build"))]
        if "CMakeLists.txt" in files:
            with open(os.path.join(root, "CMakeLists.txt")) as cmake:
                for name in re.findall(
                        r"add_(?:executable|library|custom_target)\(\s*([A-Za-z0-9_.+-]+)",
                        cmake.read()):
                    targets[name] = os.path.relpath(root, SOURCE)
    return targets


class DockerfileTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.stages = parse_dockerfile(os.path.join(SOURCE, "Dockerfile"))
        cls.build = next(stage for stage in cls.stages if stage.name == "build")
        cls.runtime = cls.stages[-1]

    def test_two_stages_on_debian_12_slim(self):
        self.assertEqual(len(self.stages), 2)
        for stage in self.stages:
            image = stage.args("FROM")[0].split()[0]
            self.assertEqual(image, "debian:12-slim", stage.name)

    def test_copy_sources_exist_and_are_not_ignored(self):
        patterns = dockerignore_patterns()
        copies = 0
        for stage in self.stages:
            for text in stage.args("COPY"):
                words = shlex.split(text)
                if any(word.startswith("--from") for word in words):
                    continue
                for source in words[:-1]:
                    copies += 1
                    path = os.path.join(SOURCE, source)
                    self.assertTrue(os.path.exists(path), f"COPY {source}: missing")
                    self.assertFalse(ignored(source, patterns),
                                     f"COPY {source}: excluded by .dockerignore")
        self.assertGreater(copies, 5)

    def test_build_context_covers_every_cmake_subdirectory(self):
        copied = {shlex.split(text)[0].rstrip("/")
                  for text in self.build.args("COPY")}
        with open(os.path.join(SOURCE, "CMakeLists.txt")) as cmake:
            for directory in re.findall(r"add_subdirectory\((\w+)\)", cmake.read()):
                self.assertIn(directory, copied, f"{directory}/ is built but not copied")

    def test_copy_from_build_sources_are_produced_there(self):
        workdir = self.build.args("WORKDIR")[-1]
        runs = " ".join(self.build.args("RUN"))
        for text in self.runtime.args("COPY"):
            words = shlex.split(text)
            if not any(word.startswith("--from=build") for word in words):
                continue
            source = words[1]
            self.assertTrue(source.startswith(workdir + "/"), source)
            relative = source[len(workdir) + 1:]
            self.assertIn(relative.rstrip("/"), runs,
                          f"COPY --from=build {source}: no build step makes it")

    def test_cmake_targets_exist_where_the_stage_expects_them(self):
        targets = cmake_targets()
        runs = " ".join(self.build.args("RUN"))
        match = re.search(r"--target ((?:[\w.+-]+ ?)+)", runs)
        self.assertIsNotNone(match, "no cmake --build --target in the build stage")
        named = match.group(1).split()
        self.assertEqual(sorted(named), ["forge-exec", "forge-execd", "forge-launcher"])
        for target in named:
            self.assertIn(target, targets, f"--target {target}: no such CMake target")
        for directory, target in re.findall(r"build/([\w/]+)/([\w.+-]+) bin/", runs):
            self.assertEqual(targets.get(target), directory,
                             f"build/{directory}/{target}: {target} is built in "
                             f"{targets.get(target)}/")

    def test_build_stage_has_the_packages_install_deps_builds_with(self):
        with open(os.path.join(SOURCE, "scripts", "install-deps")) as script:
            text = script.read()
        block = re.search(r"apt_packages=\((.*?)\n\)", text, re.S).group(1)
        wanted = set()
        group = None
        for line in block.splitlines():
            line = line.strip()
            if line.startswith("#"):
                group = line.lstrip("# ").split()[0]
            elif group in ("build", "libraries"):
                wanted.update(line.split())
        wanted.discard("git")  # the context is copied, not cloned
        installed = set()
        for run in self.build.args("RUN"):
            installed.update(apt_packages(run))
        self.assertGreater(len(wanted), 10)
        self.assertEqual(wanted - installed, set())

    def test_apt_packages_exist_in_debian(self):
        named = {}
        for stage in self.stages:
            for run in stage.args("RUN"):
                for package in apt_packages(run):
                    named[package] = stage.name
        shown = subprocess.run(["apt-cache", "show", "--no-all-versions", *named],
                               capture_output=True, text=True).stdout
        known = set(re.findall(r"^Package: (\S+)$", shown, re.M))
        self.assertGreater(len(named), 20)
        for package, stage in sorted(named.items()):
            self.assertIn(package, known, f"{stage} stage: no Debian package {package}")

    def test_runtime_stage_provides_every_linked_library(self):
        provided = set(BASE_IMAGE_PACKAGES)
        for run in self.runtime.args("RUN"):
            provided.update(apt_packages(run))
        binaries = [os.path.join(BUILD, "server", "forge-execd"),
                    os.path.join(BUILD, "sandbox", "forge-launcher"),
                    os.path.join(BUILD, "client", "forge-exec")]
        needed = {}
        for binary in binaries:
            self.assertTrue(os.path.isfile(binary), f"{binary} is not built")
            ldd = subprocess.run(["ldd", binary], capture_output=True, text=True,
                                 check=True).stdout
            for library in re.findall(r"=> (/\S+)", ldd):
                needed[library] = binary
        self.assertGreater(len(needed), 10)
        candidates = {}
        for library in needed:
            paths = {library, os.path.realpath(library)}
            paths |= {"/usr" + path for path in paths if not path.startswith("/usr")}
            for path in paths:
                candidates[path] = library
        owners = subprocess.run(["dpkg", "-S", *sorted(candidates)],
                                capture_output=True, text=True).stdout
        package_of = {}
        for line in owners.splitlines():
            package, _, path = line.partition(": ")
            if path in candidates:
                package_of[candidates[path]] = package.split(":")[0]
        for library, binary in sorted(needed.items()):
            package = package_of.get(library)
            self.assertIsNotNone(package, f"{library} (of {binary}) is in no package")
            self.assertIn(package, provided,
                          f"{library} (of {os.path.basename(binary)}) comes from {package}, "
                          "which the runtime stage does not install")

    def test_runtime_stage_has_the_runtimes_and_no_compilers(self):
        packages = set()
        for run in self.runtime.args("RUN"):
            packages.update(apt_packages(run))
        self.assertLessEqual({"python3", "nodejs"}, packages)
        self.assertEqual({p for p in packages if p.endswith("-dev")}, set())
        self.assertNotIn("build-essential", packages)
        copied = " ".join(self.runtime.args("COPY"))
        self.assertIn(".deps/bin/deno", copied)

    def test_healthcheck_uses_the_grpc_health_probe(self):
        (health,) = self.runtime.args("HEALTHCHECK")
        self.assertIn("forge_exec.probe", health)
        self.assertTrue(os.path.isfile(os.path.join(
            SOURCE, "client", "python", "forge_exec", "probe.py")))
        packages = set()
        for run in self.runtime.args("RUN"):
            packages.update(apt_packages(run))
        self.assertIn("python3-grpcio", packages)

    def test_exposed_ports_are_the_ones_listened_on(self):
        exposed = set(" ".join(self.runtime.args("EXPOSE")).split())
        (cmd,) = self.runtime.args("CMD")
        ports = set(re.findall(r":(\d+)\"", cmd))
        self.assertEqual(exposed, ports)
        (entrypoint,) = self.runtime.args("ENTRYPOINT")
        self.assertIn("/opt/forge-exec/bin/forge-execd", entrypoint)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
