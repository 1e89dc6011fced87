# Leaves a pile of zombies: forks children that exit at once and never reaps
# them, then exits itself. Nothing of the pile may survive the execution.
#
# argv[1]: marker the children carry as their name (zombies keep it, and it
# is visible on the host).
import ctypes
import os
import sys
import time

COUNT = 40
libc = ctypes.CDLL(None, use_errno=True)
marker = sys.argv[1].encode()
for _ in range(COUNT):
    if os.fork() == 0:
        libc.prctl(15, marker, 0, 0, 0)  # PR_SET_NAME
        os._exit(0)
time.sleep(0.3)
zombies = 0
for entry in os.listdir("/proc"):
    if not entry.isdigit():
        continue
    try:
        with open(f"/proc/{entry}/stat") as f:
            stat = f.read()
    except OSError:
        continue
    name = stat[stat.index("(") + 1:stat.rindex(")")]
    state = stat[stat.rindex(")") + 2]
    if state == "Z" and name == marker.decode():
        zombies += 1
print(f"zombies: {zombies}", flush=True)
