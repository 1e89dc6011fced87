from dataclasses import dataclass, field
from typing import List

@dataclass
class Item:
    name: str
    price: float
    tags: List[str] = field(default_factory=list)

    def discounted(self, pct: float) -> float:
        return round(self.price * (1 - pct / 100), 2)

items = [Item("lamp", 19.99, ["home"]), Item("desk", 149.0, ["office"])]
for it in sorted(items, key=lambda i: i.price):
    print(it.name, it.discounted(10))
