# Changes the host name and NIS domain name, then reads the host name back.
#
# argv[1]: the name to set.
import ctypes
import os
import socket
import sys

libc = ctypes.CDLL(None, use_errno=True)
name = sys.argv[1]
try:
    socket.sethostname(name)
    print("sethostname: ok", flush=True)
except OSError as e:
    print(f"sethostname: {os.strerror(e.errno)}", flush=True)
result = libc.setdomainname(name.encode(), len(name))
print(f"setdomainname: {'ok' if result == 0 else os.strerror(ctypes.get_errno())}",
      flush=True)
print(f"hostname now: {socket.gethostname()}", flush=True)
