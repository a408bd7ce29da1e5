# The lesson's style: each worker runs every job in a named task of its own and awaits it;
# workers are cancelled in a finally block.
async def run_pool(jobs, handler, *, workers=3):
    queue = asyncio.Queue()
    for index, job in enumerate(jobs):
        queue.put_nowait((index, job))
    results = [None] * len(jobs)

    async def worker(n):
        while True:
            index, job = await queue.get()
            try:
                results[index] = await asyncio.create_task(handler(job), name=f"worker {n}: job {index}")
            except Exception as error:
                results[index] = error
            finally:
                queue.task_done()

    tasks = [asyncio.create_task(worker(n), name=f"worker {n}") for n in range(workers)]
    try:
        await queue.join()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return results
