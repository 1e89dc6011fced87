# Pushes a command into the input queue of its terminal with TIOCSTI, the
# classic way to make whoever owns the terminal run it.
import fcntl
import os
import termios

print("attempting ioctl TIOCSTI", flush=True)
try:
    for byte in b"id\n":
        fcntl.ioctl(0, termios.TIOCSTI, bytes([byte]))
    print("TIOCSTI: ok", flush=True)
except OSError as e:
    print(f"TIOCSTI: {os.strerror(e.errno)}", flush=True)
