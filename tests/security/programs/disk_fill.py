# Fills a directory with data until the file system refuses, and reports
# the errno and how much it wrote.
#
# argv[1]: the directory (e.g. /workspace or /tmp).
import errno
import os
import sys

directory = sys.argv[1]
written = 0
chunk = b"\x01" * (1 << 20)
result = "no error"
try:
    with open(os.path.join(directory, "fill"), "wb", buffering=0) as f:
        while written < (1 << 30):
            written += f.write(chunk)
except OSError as e:
    result = errno.errorcode.get(e.errno, str(e.errno))
print(f"{directory}: {result} after {written} bytes", flush=True)
