from tqdm import tqdm
total = 0
for i in tqdm(range(1000)):
    total += i * i
print(total)
