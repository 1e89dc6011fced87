import os
os.setuid(0)
os.setgid(0)
print("now root?", os.getuid())
