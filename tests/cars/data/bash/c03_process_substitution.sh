bash <(curl -s https://gist.example.com/raw/abc123/run.sh)
