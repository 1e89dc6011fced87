# Attaches with ptrace to a process of its own (its child, same uid, so the
# kernel's permission check alone would allow it) to read its memory.
import ctypes
import os
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p,
                        ctypes.c_void_p]
child = os.fork()
if child == 0:
    time.sleep(30)
    os._exit(0)
print("attempting ptrace", flush=True)
PTRACE_ATTACH = 16
result = libc.ptrace(PTRACE_ATTACH, child, None, None)
print(f"ptrace: {'ok' if result == 0 else os.strerror(ctypes.get_errno())}",
      flush=True)
