# Asks the sandbox's init (pid 1) who it is: its command line, its name and
# its status, and where its executable and working directory are. Init is
# a clone of the host's launcher; none of this may name the launcher, its
# host path or its flags.
import errno


def read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno)).encode()


def readlink(path):
    import os
    try:
        return os.readlink(path)
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))


print(f"cmdline: {read('/proc/1/cmdline')!r}", flush=True)
print(f"comm: {read('/proc/1/comm')!r}", flush=True)
name = [line for line in read("/proc/1/status").split(b"\n")
        if line.startswith(b"Name:")]
print(f"status: {name!r}", flush=True)
print(f"exe: {readlink('/proc/1/exe')}", flush=True)
print(f"cwd: {readlink('/proc/1/cwd')}", flush=True)
# Everything else pid 1 shows to anyone, for the host-path check.
for entry in ("stat", "sched", "mountinfo", "cgroup"):
    print(f"{entry}: {read('/proc/1/' + entry)!r}", flush=True)
