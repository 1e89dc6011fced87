import ctypes, mmap
code = bytes.fromhex("4831c0c3")
mem = mmap.mmap(-1, len(code), prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
mem.write(code)
addr = ctypes.addressof(ctypes.c_char.from_buffer(mem))
fn = ctypes.CFUNCTYPE(ctypes.c_int)(addr)
fn()
