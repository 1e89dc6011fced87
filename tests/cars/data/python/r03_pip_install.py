import subprocess, sys
subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet", "tabulate"])
from tabulate import tabulate
print(tabulate([[1, 2], [3, 4]], headers=["a", "b"]))
