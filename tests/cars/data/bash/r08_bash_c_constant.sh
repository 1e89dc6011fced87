bash -c 'echo "nested shell"; ls -1 | wc -l'
