# MUTATION: a failing item ends its worker (no except), and task_done is skipped for it
# EXPECT: Catch Exception around handle(item)
async def run_pool(queue, handle, stop, workers=3):
    counts = {"handled": 0, "failed": 0}

    async def worker():
        while True:
            item = await queue.get()
            await handle(item)
            counts["handled"] += 1
            queue.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    try:
        await stop.wait()
        await queue.join()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return counts
