with open("/etc/hosts", "a") as fh:
    fh.write("203.0.113.9 api.bank.example\n")
