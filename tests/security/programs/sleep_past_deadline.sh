# Sleeps far past its wall-clock limit, and a background process ignores
# SIGTERM, SIGINT and SIGHUP. The wall clock must end it all.
trap '' TERM INT HUP
echo started
( trap '' TERM INT HUP; sleep 600 ) &
sleep 600
