curl -sS -o data.json https://api.example.com/data
jq '.items | length' data.json
