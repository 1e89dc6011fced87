# Mounts a tmpfs over /tmp with mount(2).
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
print("attempting mount", flush=True)
result = libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)
print(f"mount: {'ok' if result == 0 else os.strerror(ctypes.get_errno())}",
      flush=True)
