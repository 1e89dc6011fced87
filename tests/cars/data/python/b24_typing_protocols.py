from typing import Protocol, Iterable

class Scorer(Protocol):
    def score(self, text: str) -> float: ...

class LengthScorer:
    def score(self, text: str) -> float:
        return len(text) / 100

def best(items: Iterable[str], scorer: Scorer) -> str:
    return max(items, key=scorer.score)

print(best(["short", "a much longer sentence", "mid length"], LengthScorer()))
