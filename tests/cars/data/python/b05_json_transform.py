import json
from collections import defaultdict

with open("events.json") as fh:
    events = json.load(fh)

by_user = defaultdict(list)
for event in events:
    by_user[event["user_id"]].append(event)

report = {
    user: {"count": len(items), "last": max(e["ts"] for e in items)}
    for user, items in by_user.items()
}
with open("report.json", "w") as fh:
    json.dump(report, fh, indent=2, sort_keys=True)
