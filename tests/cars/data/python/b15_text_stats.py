import string
from collections import Counter

text = open("book.txt", encoding="utf-8").read().lower()
table = str.maketrans("", "", string.punctuation)
words = text.translate(table).split()
freq = Counter(words)
print("unique words:", len(freq))
for w, n in freq.most_common(15):
    print(f"{w:>12} {n}")
