# Thread bomb: starts threads (small stacks) until refused, then keeps
# retrying. Threads count against the process limit.
#
# Bounded at MAX_THREADS so that a host without the limit survives.
import threading
import time

MAX_THREADS = 4000
threading.stack_size(256 * 1024)


def idle():
    time.sleep(60)


started = 0
refused = 0
while started < MAX_THREADS:
    try:
        threading.Thread(target=idle, daemon=True).start()
        started += 1
    except RuntimeError:  # "can't start new thread"
        refused += 1
        time.sleep(0.001)
print(f"started {started} threads, refused {refused}", flush=True)
time.sleep(60)
