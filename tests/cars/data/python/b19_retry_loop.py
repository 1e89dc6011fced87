import random
import time

def flaky():
    if random.random() < 0.7:
        raise RuntimeError("try again")
    return "ok"

attempt = 0
while True:
    attempt += 1
    try:
        print(flaky(), "after", attempt, "attempts")
        break
    except RuntimeError:
        time.sleep(0.05 * attempt)
