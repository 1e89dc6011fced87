import os
sizes = {}
for root, dirs, files in os.walk("."):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for f in files:
        p = os.path.join(root, f)
        sizes[p] = os.path.getsize(p)
for p, n in sorted(sizes.items(), key=lambda kv: -kv[1])[:10]:
    print(n, p)
