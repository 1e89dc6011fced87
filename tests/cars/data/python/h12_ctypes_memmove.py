import ctypes
buf = ctypes.create_string_buffer(64)
ctypes.memmove(buf, b"hello", 5)
libc = ctypes.CDLL("libc.so.6")
libc.printf(b"%s\n", buf)
