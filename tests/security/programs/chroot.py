# Changes its root directory with chroot(2).
import os

print("attempting chroot", flush=True)
try:
    os.chroot("/tmp")
    print("chroot: ok", flush=True)
except OSError as e:
    print(f"chroot: {os.strerror(e.errno)}", flush=True)
