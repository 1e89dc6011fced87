#!/bin/bash
total=0
while IFS=, read -r name qty price; do
  [[ "$name" == "name" ]] && continue
  total=$(echo "$total + $qty * $price" | bc)
done < orders.csv
echo "total: $total"
