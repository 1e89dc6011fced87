# Opens a perf event counting its own CPU clock (allowed for unprivileged
# users by the usual perf_event_paranoid setting).
import ctypes
import os
import struct

libc = ctypes.CDLL(None, use_errno=True)
SYS_perf_event_open = 298
PERF_TYPE_SOFTWARE = 1
PERF_COUNT_SW_CPU_CLOCK = 0
attr = ctypes.create_string_buffer(
    struct.pack("IIQ", PERF_TYPE_SOFTWARE, 128, PERF_COUNT_SW_CPU_CLOCK), 128)
print("attempting perf_event_open", flush=True)
fd = libc.syscall(SYS_perf_event_open, attr, 0, -1, -1, 0)
print(f"perf_event_open: {'ok' if fd >= 0 else os.strerror(ctypes.get_errno())}",
      flush=True)
