# MUTATION: workers do not catch the handler's exception, so one bad job stops the pool
# EXPECT: A job's exception becomes that job's result
async def run_pool(jobs, handler, *, workers=3):
    queue = asyncio.Queue()
    for index, job in enumerate(jobs):
        queue.put_nowait((index, job))
    results = [None] * len(jobs)

    async def worker():
        while not queue.empty():
            index, job = queue.get_nowait()
            results[index] = await handler(job)

    await asyncio.gather(*(worker() for _ in range(workers)))
    return results
