cat > config.ini <<EOF
[server]
port = 8080
debug = false
EOF
cat config.ini
