# The second of two concurrent executions: looks for everything the first
# left (see secret_holder.py) and reports what it found. (Lines avoid words
# such as "secret" before a value: the service's privacy filter would take
# the value for a credential.)
#
# argv[1]: the first execution's marker.
import errno
import os
import socket
import sys

marker = sys.argv[1]


def outcome(action):
    try:
        action()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
names = []
for pid in pids:
    try:
        with open(f"/proc/{pid}/comm") as f:
            names.append(f.read().strip())
    except OSError:
        pass
print(f"processes visible: {len(pids)}", flush=True)
print(f"marker among them: {'yes' if marker in names else 'no'}", flush=True)
for directory in ("/workspace", "/tmp", "/dev/shm"):
    path = os.path.join(directory, f"hidden-{marker}")
    print(f"{directory} file: {outcome(lambda: open(path).read())}", flush=True)
    print(f"{directory} holds: {sorted(os.listdir(directory))}", flush=True)


def connect(family, address):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect(address)
    finally:
        s.close()


print(f"abstract socket: {outcome(lambda: connect(socket.AF_UNIX, chr(0) + marker))}",
      flush=True)
print(f"loopback port: {outcome(lambda: connect(socket.AF_INET, ('127.0.0.1', 47001)))}",
      flush=True)
