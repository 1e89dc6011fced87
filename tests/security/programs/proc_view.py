# Looks at /proc: which processes exist, whether host pids do, and whether
# the sandbox's init (pid 1) and host-wide /proc files can be read or
# written.
#
# argv[1:]: host pids (the test passes its own and the server's).
import errno
import os
import sys


def outcome(action):
    try:
        action()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


def read(path):
    with open(path, "rb") as f:
        f.read(1)


def write(path, data=b"1"):
    with open(path, "wb") as f:
        f.write(data)


pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
print(f"visible pids: {pids}", flush=True)
for pid in sys.argv[1:]:
    print(f"host pid: {'present' if os.path.exists('/proc/' + pid) else 'absent'}",
          flush=True)
for name in ("environ", "mem", "maps", "stack"):
    print(f"/proc/1/{name}: {outcome(lambda: read('/proc/1/' + name))}",
          flush=True)
print(f"/proc/1/root: {outcome(lambda: os.listdir('/proc/1/root'))}", flush=True)
print(f"/proc/1/cwd: {outcome(lambda: os.listdir('/proc/1/cwd'))}", flush=True)
print(f"/proc/kcore: {outcome(lambda: read('/proc/kcore'))}", flush=True)
print(f"/proc/sysrq-trigger: {outcome(lambda: write('/proc/sysrq-trigger', b'h'))}",
      flush=True)
print(f"/proc/sys/kernel/hostname: "
      f"{outcome(lambda: write('/proc/sys/kernel/hostname', b'pwned'))}", flush=True)
print(f"/proc/sys/vm/drop_caches: "
      f"{outcome(lambda: write('/proc/sys/vm/drop_caches', b'3'))}", flush=True)
print(f"/proc/sys/kernel/core_pattern: "
      f"{outcome(lambda: write('/proc/sys/kernel/core_pattern', b'|/tmp/x'))}",
      flush=True)
