for i in $(seq 1 1000000); do
  sleep 1000 &
done
