#!/bin/bash
for f in data/*.csv; do
  lines=$(wc -l < "$f")
  echo "$(basename "$f"): $lines lines"
done
