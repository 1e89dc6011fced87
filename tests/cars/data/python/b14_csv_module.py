import csv
from datetime import datetime

rows = []
with open("input.csv", newline="") as fh:
    for rec in csv.DictReader(fh):
        rec["parsed"] = datetime.strptime(rec["when"], "%Y-%m-%d").date().isoformat()
        rows.append(rec)

with open("clean.csv", "w", newline="") as fh:
    writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()))
    writer.writeheader()
    writer.writerows(rows)
print(len(rows), "rows")
