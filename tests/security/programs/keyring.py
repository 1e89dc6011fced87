# Uses the kernel keyrings, which are not namespaced.
#
# argv[1]: "add_key" (store a key) or "keyctl" (join a named session
# keyring).
import ctypes
import os
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_add_key, SYS_keyctl = 248, 250
KEY_SPEC_PROCESS_KEYRING = -2
KEYCTL_JOIN_SESSION_KEYRING = 1
which = sys.argv[1]
print(f"attempting {which}", flush=True)
if which == "add_key":
    result = libc.syscall(SYS_add_key, b"user", b"forge", b"secret", 6,
                          KEY_SPEC_PROCESS_KEYRING)
else:
    result = libc.syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, b"forge")
print(f"{which}: {'ok' if result >= 0 else os.strerror(ctypes.get_errno())}",
      flush=True)
