data = []
while 1:
    data.append(" " * 10**6)
