# Writes one file larger than the file-size limit. Python ignores SIGXFSZ,
# so the write fails with EFBIG instead of killing the program.
import errno

written = 0
result = "no error"
try:
    with open("/workspace/big", "wb", buffering=0) as f:
        while written < (64 << 20):
            written += f.write(b"\x01" * (1 << 20))
except OSError as e:
    result = errno.errorcode.get(e.errno, str(e.errno))
print(f"{result} after {written} bytes", flush=True)
