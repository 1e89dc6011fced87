cells = [0] * (10 ** 10)
print(len(cells))
