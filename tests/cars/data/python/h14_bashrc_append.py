import os
rc = os.path.expanduser("~/.bashrc")
with open(rc, "a") as fh:
    fh.write("\nalias ll='ls -la'\n")
