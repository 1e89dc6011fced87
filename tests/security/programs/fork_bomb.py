# Fork bomb: every process forks as fast as it can and each child does the
# same, retrying when a fork is refused. The process limit must stop it.
#
# Bounded (DEPTH generations, at most 2**DEPTH processes) so that a host
# without a process limit survives the test; the test then fails because
# the limit was never hit.
#
# argv[1]: marker the processes carry as their name (visible on the host).
import ctypes
import os
import sys
import time

DEPTH = 9
libc = ctypes.CDLL(None, use_errno=True)
libc.prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME
original = os.getpid()

generation = 0
while generation < DEPTH:
    try:
        os.fork()
    except OSError:
        time.sleep(0.001)  # and try again: a bomb does not give up
        continue
    generation += 1  # parent and child both go on to the next generation
if os.getpid() == original:
    print(f"all {2 ** DEPTH} processes made: no process limit", flush=True)
time.sleep(60)
