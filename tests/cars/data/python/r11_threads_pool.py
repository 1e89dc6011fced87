from concurrent.futures import ThreadPoolExecutor
import subprocess

def count_lines(path):
    return subprocess.run(["wc", "-l", path], capture_output=True, text=True).stdout

with ThreadPoolExecutor(max_workers=4) as pool:
    for out in pool.map(count_lines, ["a.txt", "b.txt"]):
        print(out.strip())
