import itertools

def primes():
    found = []
    for n in itertools.count(2):
        if all(n % p for p in found if p * p <= n):
            found.append(n)
            yield n

print(list(itertools.islice(primes(), 25)))
words = ["alpha", "beta", "gamma", "delta"]
for a, b in itertools.combinations(words, 2):
    print(a, b)
