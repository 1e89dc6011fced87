secret=$(openssl rand -hex 16)
echo "generated ${#secret} hex chars"
ssh-keygen -t ed25519 -f ./deploy_key -N "" -q
