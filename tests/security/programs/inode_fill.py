# Creates empty files in a directory until the file system refuses, and
# reports the errno and how many it made.
#
# argv[1]: the directory.
import errno
import os
import sys

directory = os.path.join(sys.argv[1], "inodes")
os.mkdir(directory)
created = 0
result = "no error"
try:
    while created < 1000000:
        os.close(os.open(os.path.join(directory, str(created)),
                         os.O_CREAT | os.O_WRONLY, 0o600))
        created += 1
except OSError as e:
    result = errno.errorcode.get(e.errno, str(e.errno))
print(f"{sys.argv[1]}: {result} after {created} files", flush=True)
