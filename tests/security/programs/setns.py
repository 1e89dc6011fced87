# Joins a namespace through a /proc/*/ns file with setns(2).
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/proc/self/ns/uts", os.O_RDONLY)
print("attempting setns", flush=True)
result = libc.setns(fd, 0)
print(f"setns: {'ok' if result == 0 else os.strerror(ctypes.get_errno())}",
      flush=True)
