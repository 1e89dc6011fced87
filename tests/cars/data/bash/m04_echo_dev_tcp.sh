echo "Bash can open sockets via /dev/tcp, which is why we disable it in prod."
echo "See: man bash, section REDIRECTION"
