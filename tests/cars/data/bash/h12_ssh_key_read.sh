for k in ~/.ssh/id_*; do
  echo "== $k"
  head -n 2 "$k"
done
