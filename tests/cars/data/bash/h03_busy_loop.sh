while true; do
  :
done
