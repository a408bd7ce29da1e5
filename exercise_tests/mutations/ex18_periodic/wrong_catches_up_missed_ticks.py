# MUTATION: keeps a fixed schedule but fires every missed tick at once after an overrun
# EXPECT: instead of firing the missed ones at once
async def run_every(period, job, stop):
    loop = asyncio.get_running_loop()
    start = loop.time()
    runs = 0
    while not stop.is_set():
        await job()
        runs += 1
        wait = start + runs * period - loop.time()
        if wait > 0:
            try:
                async with asyncio.timeout(wait):
                    await stop.wait()
            except TimeoutError:
                pass
    return runs
