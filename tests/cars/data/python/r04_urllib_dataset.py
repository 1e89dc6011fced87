import urllib.request
import csv, io

url = "https://people.sc.fsu.edu/~jburkardt/data/csv/hw_200.csv"
with urllib.request.urlopen(url, timeout=15) as resp:
    text = resp.read().decode("utf-8")
rows = list(csv.reader(io.StringIO(text)))
print(len(rows), rows[:2])
