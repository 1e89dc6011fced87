import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import math

xs = [i / 10 for i in range(200)]
ys = [math.sin(x) * math.exp(-x / 8) for x in xs]
fig, ax = plt.subplots(figsize=(8, 4))
ax.plot(xs, ys, label="damped sine")
ax.set_xlabel("t")
ax.legend()
fig.savefig("plot.png", dpi=120)
print("saved plot.png")
