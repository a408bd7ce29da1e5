# A next-deadline variable advanced by whole periods, and wait_for on the event.
async def run_every(period, job, stop):
    loop = asyncio.get_running_loop()
    runs = 0
    deadline = loop.time()
    while not stop.is_set():
        await job()
        runs += 1
        now = loop.time()
        while deadline <= now:
            deadline += period
        try:
            await asyncio.wait_for(stop.wait(), deadline - now)
        except TimeoutError:
            continue
    return runs
