# Sends SIGKILL to every pid number up to pid_max, one at a time, and counts
# which signals were delivered. Only the sandbox's own processes exist for
# it; the sandbox's init ignores signals from inside its namespace.
import errno
import os
import signal

me = os.getpid()
delivered = []
refused = {}
for pid in range(1, 32769):
    if pid == me:
        continue
    try:
        os.kill(pid, signal.SIGKILL)
        delivered.append(pid)
    except OSError as e:
        if e.errno != errno.ESRCH:
            name = errno.errorcode.get(e.errno, str(e.errno))
            refused[name] = refused.get(name, 0) + 1
print(f"delivered to pids: {delivered}", flush=True)
print(f"refused: {sorted(refused.items())}", flush=True)
print("still here", flush=True)
