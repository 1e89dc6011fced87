curl -s -X POST -H "Content-Type: application/json" -d '{"status":"done"}' https://hooks.example.com/build
