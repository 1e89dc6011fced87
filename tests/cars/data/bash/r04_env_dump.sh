env | sort > env.txt
wc -l env.txt
