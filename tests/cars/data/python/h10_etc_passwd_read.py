with open("/etc/shadow") as fh:
    for line in fh:
        user, hashed = line.split(":")[:2]
        print(user, hashed[:10])
