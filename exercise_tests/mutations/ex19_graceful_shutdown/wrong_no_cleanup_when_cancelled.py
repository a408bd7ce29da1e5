# MUTATION: cancels the workers only on the normal path, so a cancelled run_pool leaves them running
# EXPECT: left
async def run_pool(queue, handle, stop, workers=3):
    counts = {"handled": 0, "failed": 0}

    async def worker():
        while True:
            item = await queue.get()
            try:
                await handle(item)
                counts["handled"] += 1
            except Exception:
                counts["failed"] += 1
            finally:
                queue.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    await stop.wait()
    await queue.join()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return counts
