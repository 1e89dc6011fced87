# Opens a socket of a family or type that reaches past the sandbox's
# private network stack: raw IP, packet sockets (sniffing and forging
# frames), vsock (host/guest channel), netlink (kernel configuration).
#
# argv[1]: one of the keys of SOCKETS.
import errno
import socket
import sys

AF_VSOCK = 40
ETH_P_ALL = 0x0003
SOCKETS = {
    "raw_ipv4": (socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP),
    "raw_ipv6": (socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6),
    "packet": (socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL)),
    "vsock": (AF_VSOCK, socket.SOCK_STREAM, 0),
    "netlink": (socket.AF_NETLINK, socket.SOCK_RAW, 0),  # NETLINK_ROUTE
}

which = sys.argv[1]
print(f"attempting socket {which}", flush=True)
try:
    socket.socket(*SOCKETS[which]).close()
    print(f"{which}: ok", flush=True)
except OSError as e:
    print(f"{which}: {errno.errorcode.get(e.errno, e.errno)}", flush=True)
