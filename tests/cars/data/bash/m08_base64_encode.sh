echo -n "hello world" | base64
echo "aGVsbG8gd29ybGQ=" | base64 --decode > greeting.txt
cat greeting.txt
