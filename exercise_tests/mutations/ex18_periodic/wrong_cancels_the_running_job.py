# MUTATION: runs the loop in a task and cancels it when stop is set, cutting a running job short
# EXPECT: must be allowed to finish
async def run_every(period, job, stop):
    loop = asyncio.get_running_loop()
    runs = 0

    async def ticker():
        nonlocal runs
        start = loop.time()
        while True:
            await job()
            runs += 1
            now = loop.time()
            await asyncio.sleep(start + (math.floor((now - start) / period) + 1) * period - now)

    if stop.is_set():
        return 0
    task = asyncio.create_task(ticker())
    stopper = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([task, stopper], return_when=asyncio.FIRST_COMPLETED)
    finally:
        task.cancel()
        stopper.cancel()
    if task.done() and not task.cancelled() and task.exception():
        raise task.exception()
    return runs
