# Prints the account database the sandbox sees.
cat /etc/passwd
