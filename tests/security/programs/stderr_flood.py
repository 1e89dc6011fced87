# Writes to stderr forever, in large writes.
import sys

chunk = "E" * 65535 + "\n"
while True:
    sys.stderr.write(chunk)
