# Creates an eBPF map with the raw bpf(2) syscall.
import ctypes
import os
import struct

libc = ctypes.CDLL(None, use_errno=True)
SYS_bpf = 321
BPF_MAP_CREATE = 0
BPF_MAP_TYPE_ARRAY = 2
attr = ctypes.create_string_buffer(
    struct.pack("IIII", BPF_MAP_TYPE_ARRAY, 4, 4, 1), 128)
print("attempting bpf", flush=True)
fd = libc.syscall(SYS_bpf, BPF_MAP_CREATE, attr, 128)
print(f"bpf: {'ok' if fd >= 0 else os.strerror(ctypes.get_errno())}", flush=True)
