data = [i * i for i in range(1000)]
print(sum(data))
