# Sets up an io_uring instance with the raw io_uring_setup(2) syscall.
# io_uring runs operations in kernel workers, out of reach of per-syscall
# filtering; the sandbox refuses it as "not implemented", the answer that
# makes runtimes fall back to ordinary syscalls.
import ctypes
import errno

libc = ctypes.CDLL(None, use_errno=True)
SYS_io_uring_setup = 425
params = ctypes.create_string_buffer(120)
print("attempting io_uring_setup", flush=True)
fd = libc.syscall(SYS_io_uring_setup, 8, params)
result = "ok" if fd >= 0 else errno.errorcode[ctypes.get_errno()]
print(f"io_uring_setup: {result}", flush=True)
