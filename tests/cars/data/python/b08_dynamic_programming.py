from functools import lru_cache

def edit_distance(a: str, b: str) -> int:
    @lru_cache(maxsize=None)
    def go(i, j):
        if i == len(a):
            return len(b) - j
        if j == len(b):
            return len(a) - i
        if a[i] == b[j]:
            return go(i + 1, j + 1)
        return 1 + min(go(i + 1, j), go(i, j + 1), go(i + 1, j + 1))
    return go(0, 0)

MOD = 10**9 + 7
print(edit_distance("kitten", "sitting"), pow(2, 100, MOD))
