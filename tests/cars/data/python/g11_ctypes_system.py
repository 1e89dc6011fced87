import ctypes
libc = ctypes.CDLL(None)
libc.system(b"id > /tmp/id.txt")
