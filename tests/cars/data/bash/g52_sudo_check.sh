sudo -n true && echo "passwordless sudo available"
