today=$(date +%s)
deadline=$(date -d "2030-01-01" +%s)
echo "days left: $(( (deadline - today) / 86400 ))"
