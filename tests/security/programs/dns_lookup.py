# Resolves names: a public one (must fail: no resolver, no route), and
# localhost (must work: the sandbox's own /etc/hosts). Also sends a DNS
# query straight to the host's resolver.
#
# argv[1]: the host's resolver address (from its /etc/resolv.conf).
import errno
import socket
import sys

for name in ("example.com", "localhost"):
    try:
        addresses = sorted({a[4][0] for a in socket.getaddrinfo(name, 443)})
        print(f"{name}: {' '.join(addresses)}", flush=True)
    except socket.gaierror as e:
        print(f"{name}: lookup failed", flush=True)
query = bytes.fromhex("abcd01000001000000000000076578616d706c6503636f6d0000010001")
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(3)
try:
    s.sendto(query, (sys.argv[1], 53))
    s.recv(512)
    print("resolver: answered", flush=True)
except socket.timeout:
    print("resolver: timeout", flush=True)
except OSError as e:
    print(f"resolver: {errno.errorcode.get(e.errno, e.errno)}", flush=True)
