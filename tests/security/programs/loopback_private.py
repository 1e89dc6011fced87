# The sandbox's own loopback works (a server and a client inside the same
# execution talk to each other).
import socket
import threading

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.bind(("127.0.0.1", 0))
server.listen()


def serve():
    connection, _ = server.accept()
    connection.sendall(b"hello over loopback")
    connection.close()


threading.Thread(target=serve).start()
client = socket.create_connection(server.getsockname(), timeout=3)
print(client.recv(100).decode(), flush=True)
