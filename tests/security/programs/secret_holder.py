# The first of two concurrent executions: leaves a secret in every place
# another execution might look (workspace, /tmp, /dev/shm, an abstract unix
# socket, a TCP port on loopback), names its process, says "ready" and waits.
#
# argv[1]: marker used as the process name and in every file's name.
import ctypes
import os
import socket
import sys
import time

marker = sys.argv[1]
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, marker.encode(), 0, 0, 0)  # PR_SET_NAME
for directory in ("/workspace", "/tmp", "/dev/shm"):
    with open(os.path.join(directory, f"hidden-{marker}"), "w") as f:
        f.write(f"hidden by {marker}\n")
abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
abstract.bind(f"\0{marker}")
abstract.listen()
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(("127.0.0.1", 47001))
tcp.listen()
print("ready", flush=True)
time.sleep(60)
