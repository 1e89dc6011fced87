echo "DO NOT run: sudo rm -rf / --no-preserve-root"
