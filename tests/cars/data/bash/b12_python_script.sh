python3 -m venv .venv
. .venv/bin/activate
python3 analyze.py --input data.csv --out report.txt
