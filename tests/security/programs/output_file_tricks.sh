# Plants output files that try to make the service read something outside
# the workspace, or read forever: symlinks to host files and to /, a hard
# link attempt across file systems, a FIFO, and a sparse file far larger
# than the cap on returned files (within the file-size limit).
ln -s /etc/passwd link-to-passwd.txt
ln -s /etc/shadow link-to-shadow.txt
ln -s / link-to-root
ln -s /proc/self/environ link-to-environ.txt
if ln /etc/passwd hard-link-to-passwd.txt 2>/dev/null; then
  echo "hard link: made"
else
  echo "hard link: refused"
fi
mkfifo pipe.txt
truncate -s 8M sparse.txt
echo "plain" > plain.txt
echo "planted"
