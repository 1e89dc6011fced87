# Spins on the CPU forever. The CPU-time limit must stop it.
while True:
    pass
