# Tries to reach the host and the outside world over TCP and UDP: the
# service's own port on the host's loopback, the host's other addresses,
# public addresses. Each attempt prints its index, protocol and the errno it
# failed with ("#2 udp: ENETUNREACH"); not the address, which the service's
# privacy filter would redact.
#
# argv[1:]: targets as "tcp:HOST:PORT" or "udp:HOST:PORT" (IPv6 hosts in
# brackets).
import errno
import socket
import sys


def parse(target):
    kind, rest = target.split(":", 1)
    host, port = rest.rsplit(":", 1)
    if host.startswith("["):
        return kind, socket.AF_INET6, host[1:-1], int(port)
    return kind, socket.AF_INET, host, int(port)


for index, target in enumerate(sys.argv[1:]):
    kind, family, host, port = parse(target)
    s = socket.socket(family, socket.SOCK_STREAM if kind == "tcp"
                      else socket.SOCK_DGRAM)
    s.settimeout(3)
    try:
        if kind == "tcp":
            s.connect((host, port))
        else:
            s.sendto(b"\0" * 12, (host, port))
            s.recv(512)
        result = "ok"
    except socket.timeout:
        result = "timeout"
    except OSError as e:
        result = errno.errorcode.get(e.errno, str(e.errno))
    finally:
        s.close()
    print(f"#{index} {kind}: {result}", flush=True)
