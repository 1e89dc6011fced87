from pathlib import Path
import shutil

root = Path("output")
root.mkdir(exist_ok=True)
for i in range(5):
    (root / f"part_{i}.txt").write_text(f"chunk {i}\n" * 10)
total = sum(p.stat().st_size for p in root.glob("*.txt"))
print("bytes written:", total)
shutil.rmtree(root)
