# Makes a system call through the 32-bit ABI (int $0x80) from a 64-bit
# process: a second syscall table with other numbers, which a filter written
# for x86_64 would misread.
import ctypes
import mmap

# mov eax, 20 (getpid in the i386 table); int 0x80; ret
code = bytes([0xB8, 20, 0, 0, 0, 0xCD, 0x80, 0xC3])
page = mmap.mmap(-1, mmap.PAGESIZE,
                 prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
page.write(code)
address = ctypes.addressof(ctypes.c_char.from_buffer(page))
function = ctypes.CFUNCTYPE(ctypes.c_int)(address)
print("attempting int 0x80", flush=True)
print(f"int 0x80 getpid: {function()}", flush=True)
