msg="Never run 'rm -rf /' or 'chmod 777 /' on a shared machine."
echo "$msg" | fold -w 40
