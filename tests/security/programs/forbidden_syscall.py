# Makes one raw system call from the host-administration and kernel-attack
# set, with arguments that would do nothing harmful even if it ran.
#
# argv[1]: the syscall's name (a key of CALLS).
import ctypes
import errno
import os
import signal
import struct
import sys
import time

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
AT_FDCWD = -100
buffer = ctypes.create_string_buffer(4096)
now = struct.pack("qq", int(time.time()), 0)


def clone_new_user():
    CLONE_NEWUSER = 0x10000000
    pid = libc.syscall(56, CLONE_NEWUSER | signal.SIGCHLD, 0, 0, 0, 0)
    if pid == 0:
        os._exit(0)
    return pid


CALLS = {
    # name: (number, arguments) or a function returning the raw result
    "kexec_load": (246, (0, 0, 0, 0)),
    "init_module": (175, (buffer, 16, b"")),
    "finit_module": (313, (0, b"", 0)),
    "delete_module": (176, (b"ext4", 0)),
    "reboot": (169, (0xFEE1DEAD, 0x28121969, 0)),  # CAD_OFF
    "swapon": (167, (b"/nonexistent", 0)),
    "acct": (163, (b"/nonexistent",)),
    "iopl": (172, (3,)),
    "ioperm": (173, (0x80, 1, 1)),
    "modify_ldt": (154, (0, buffer, 16)),
    "uselib": (134, (b"/nonexistent",)),
    "process_vm_readv": (310, (os.getppid(), buffer, 1, buffer, 1, 0)),
    "pidfd_getfd": (438, (0, 0, 0)),
    "pivot_root": (155, (b"/tmp", b"/tmp")),
    "umount2": (166, (b"/proc", 2)),  # MNT_DETACH
    "fsopen": (430, (b"tmpfs", 0)),
    "open_tree": (428, (AT_FDCWD, b"/", 0)),
    "open_by_handle_at": (304, (AT_FDCWD, buffer, 0)),
    "userfaultfd": (323, (0,)),
    "settimeofday": (164, (now, None)),
    "personality": (135, (0x0400000,)),  # READ_IMPLIES_EXEC
    "quotactl": (179, (0, b"/", 0, None)),
    "clone": clone_new_user,
    "clone3": (435, (buffer, 88)),
    "syslog": (103, (3, buffer, 4096)),  # SYSLOG_ACTION_READ_ALL
    "adjtimex": (159, (buffer,)),
}

name = sys.argv[1]
call = CALLS[name]
print(f"attempting {name}", flush=True)
if callable(call):
    result = call()
else:
    number, arguments = call
    result = libc.syscall(number, *[ctypes.c_long(a) if isinstance(a, int)
                                    else a for a in arguments])
outcome = "ok" if result >= 0 else errno.errorcode[ctypes.get_errno()]
print(f"{name}: {outcome}", flush=True)
