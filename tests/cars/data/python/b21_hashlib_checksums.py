import hashlib
from pathlib import Path

def sha256_of(path, chunk=1 << 16):
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()

for p in sorted(Path(".").glob("*.csv")):
    print(sha256_of(p), p.name)
