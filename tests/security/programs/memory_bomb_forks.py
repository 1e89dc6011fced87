# Memory spread over processes: four processes each take 64 MiB. Each alone
# is under the limit; together they are over it. The memory limit must
# cover the sandbox as a whole, not each process.
import os
import sys
import time

children = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"\x01" * (64 << 20)
        time.sleep(5)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.waitpid(pid, 0)
print("256 MiB held across processes without a limit", flush=True)
sys.exit(0)
