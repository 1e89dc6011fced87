# Opens descriptors until refused, then tries to raise its own limit.
import errno
import os
import resource

fds = []
result = "no error"
try:
    while len(fds) < 1000000:
        fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e:
    result = errno.errorcode.get(e.errno, str(e.errno))
print(f"open: {result} after {len(fds)} descriptors", flush=True)
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard * 4, hard * 4))
    print("raise limit: ok", flush=True)
except (OSError, ValueError) as e:
    print(f"raise limit: {type(e).__name__}", flush=True)
