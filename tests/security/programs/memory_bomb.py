# Memory bomb: allocates and touches 16 MiB blocks until killed. The memory
# limit must stop it with MEMORY_LIMIT.
#
# Bounded at 2 GiB so that a host without the limit survives; the program
# then says so and the test fails.
import sys

BLOCK = 16 << 20
blocks = []
while len(blocks) * BLOCK < (2 << 30):
    blocks.append(b"\x01" * BLOCK)  # written, so really resident
print(f"allocated {len(blocks) * BLOCK >> 20} MiB without a limit", flush=True)
sys.exit(0)
