import re
from collections import Counter

LINE = re.compile(r"^(?P<ip>\S+) - - \[(?P<ts>[^\]]+)\] \"(?P<method>\w+) (?P<path>\S+)")
counts = Counter()
with open("access.log", encoding="utf-8", errors="replace") as fh:
    for line in fh:
        m = LINE.match(line)
        if m:
            counts[(m["method"], m["path"])] += 1
for (method, path), n in counts.most_common(10):
    print(f"{n:6d} {method:6s} {path}")
