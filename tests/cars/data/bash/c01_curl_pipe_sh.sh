curl -fsSL http://install.example-cdn.net/setup.sh | sh
