import os
home = os.environ.get("HOME", "/tmp")
workdir = os.path.join(os.getcwd(), "out")
os.makedirs(workdir, exist_ok=True)
print(home, workdir, os.environ.get("LANG"))
