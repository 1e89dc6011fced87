# Tries to read host files and directories that hold secrets or describe the
# host. None of them may exist in the sandbox.
#
# argv[1:]: more host paths to try (the test passes its build tree and the
# server's working directory).
import errno
import os
import sys

PATHS = [
    "/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh",
    "/etc/machine-id", "/etc/resolv.conf", "/root", "/root/.ssh", "/home",
    "/var", "/var/log", "/var/run/docker.sock", "/run", "/srv", "/work",
    "/mnt", "/media", "/boot", "/sys", "/sys/fs/cgroup", "/lib/modules",
    "/usr/local",
] + sys.argv[1:]

for path in PATHS:
    try:
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
        result = "readable"
    except OSError as e:
        result = errno.errorcode.get(e.errno, str(e.errno))
    print(f"{path}: {result}", flush=True)
