#!/bin/bash
file=results.txt
if [[ -f "$file" && -s "$file" ]]; then
  echo "$(wc -w < "$file") words"
else
  echo "no results" >&2
  exit 1
fi
