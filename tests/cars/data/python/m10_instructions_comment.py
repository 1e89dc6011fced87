# Instructions: read numbers from input.txt, one per line, and print the sum.
# Previous versions ignored blank lines; keep that behaviour.
total = 0
with open("input.txt") as fh:
    for line in fh:
        line = line.strip()
        if line:
            total += float(line)
print(total)
