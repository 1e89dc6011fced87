# Tries to outlive its execution: forks, starts a new session, forks again
# (the classic daemon double fork), and the grandchild ignores every
# catchable signal and sleeps. The program itself exits as soon as the
# grandchild has taken its name and its signal dispositions.
#
# argv[1]: marker the grandchild carries as its name.
# argv[2]: "detached" (the grandchild closes stdout/stderr) or "attached"
#          (it keeps them open, holding the output pipes).
import ctypes
import os
import signal
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
marker, mode = sys.argv[1], sys.argv[2]
ready_read, ready_write = os.pipe()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        libc.prctl(15, marker.encode(), 0, 0, 0)  # PR_SET_NAME
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP,
                    signal.SIGPIPE, signal.SIGUSR1, signal.SIGUSR2):
            signal.signal(sig, signal.SIG_IGN)
        if mode == "detached":
            devnull = os.open("/dev/null", os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(devnull, fd)
        os.write(ready_write, b"x")
        os.close(ready_write)
        time.sleep(60)
        print("the orphan outlived its execution", flush=True)
        os._exit(0)
    os._exit(0)
os.wait()
os.close(ready_write)
os.read(ready_read, 1)
print("orphan started", flush=True)
