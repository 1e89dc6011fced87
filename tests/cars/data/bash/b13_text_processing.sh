cut -d, -f2,5 sales.csv | tail -n +2 | sort -t, -k2 -n | head
paste -sd+ numbers.txt | bc
tr 'a-z' 'A-Z' < names.txt > upper.txt
