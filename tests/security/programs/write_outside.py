# Tries to create, change, rename and remove files outside /workspace and
# /tmp. Every attempt must fail; the two writable places are the controls.
# Lines read "<action> -> <errno or ok>".
#
# argv[1]: marker used in the names of files it tries to create.
import errno
import os
import sys

marker = sys.argv[1]


def outcome(action):
    try:
        action()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def create(path):
    with open(path, "w") as f:
        f.write("pwned\n")


def append(path):
    with open(path, "a") as f:
        f.write("pwned\n")


for directory in ("/", "/etc", "/usr/bin", "/usr/lib", "/dev", "/proc",
                  "/workspace", "/tmp"):
    path = os.path.join(directory, f"forge-{marker}")
    print(f"create {path} -> {outcome(lambda: create(path))}", flush=True)
print(f"mkdir /{marker} -> {outcome(lambda: os.mkdir('/' + marker))}", flush=True)
print(f"append /etc/passwd -> {outcome(lambda: append('/etc/passwd'))}", flush=True)
print(f"append /usr/bin/python3 -> {outcome(lambda: append('/usr/bin/python3'))}",
      flush=True)
print(f"rename /etc/hosts -> "
      f"{outcome(lambda: os.rename('/etc/hosts', '/etc/hosts.old'))}", flush=True)
print(f"unlink /usr/bin/bash -> {outcome(lambda: os.unlink('/usr/bin/bash'))}",
      flush=True)
print(f"chmod /usr/bin/python3 -> "
      f"{outcome(lambda: os.chmod('/usr/bin/python3', 0o777))}", flush=True)
print(f"mknod /tmp/sda -> "
      f"{outcome(lambda: os.mknod('/tmp/sda', 0o600 | 0o060000, os.makedev(8, 0)))}",
      flush=True)
