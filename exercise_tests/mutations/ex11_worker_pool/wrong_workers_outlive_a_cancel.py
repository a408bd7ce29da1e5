# MUTATION: workers are background tasks waited for with queue.join(); nobody cancels them
# EXPECT: left
async def run_pool(jobs, handler, *, workers=3):
    queue = asyncio.Queue()
    for index, job in enumerate(jobs):
        queue.put_nowait((index, job))
    results = [None] * len(jobs)

    async def worker():
        while True:
            index, job = await queue.get()
            try:
                results[index] = await handler(job)
            except Exception as error:
                results[index] = error
            finally:
                queue.task_done()

    tasks = [asyncio.create_task(worker()) for _ in range(workers)]
    await queue.join()
    for task in tasks:
        task.cancel()
    return results
