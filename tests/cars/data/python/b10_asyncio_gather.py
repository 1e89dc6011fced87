import asyncio
import random

async def worker(name, q):
    while True:
        item = await q.get()
        await asyncio.sleep(random.random() / 10)
        print(f"{name} processed {item}")
        q.task_done()

async def main():
    q = asyncio.Queue()
    for i in range(20):
        q.put_nowait(i)
    tasks = [asyncio.create_task(worker(f"w{i}", q)) for i in range(3)]
    await q.join()
    for t in tasks:
        t.cancel()

asyncio.run(main())
