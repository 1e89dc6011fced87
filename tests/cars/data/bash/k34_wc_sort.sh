for f in *.txt; do wc -w "$f"; done | sort -n | tail -3
