import socket
host = socket.gethostname()
print("running on", host)
print("ipv6 supported:", socket.has_ipv6)
