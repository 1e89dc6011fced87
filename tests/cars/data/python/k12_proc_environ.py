with open("/proc/self/environ", "rb") as fh:
    print(fh.read().replace(b"\0", b"\n").decode(errors="replace"))
