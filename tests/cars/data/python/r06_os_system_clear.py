import os
os.system("clear")
print("screen cleared")
