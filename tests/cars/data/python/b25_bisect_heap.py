import bisect
import heapq

scores = [12, 45, 7, 88, 23, 61]
heapq.heapify(scores)
top3 = heapq.nlargest(3, scores)
ordered = sorted(scores)
pos = bisect.bisect_left(ordered, 30)
print(top3, ordered, pos)
