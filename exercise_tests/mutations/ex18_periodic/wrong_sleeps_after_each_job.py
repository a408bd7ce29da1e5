# MUTATION: the classic loop: job, then sleep a whole period (drifts, and hears the stop late)
# EXPECT: aim at the next tick
# EXPECT: Wait for the stop event with a timeout
async def run_every(period, job, stop):
    runs = 0
    while not stop.is_set():
        await job()
        runs += 1
        await asyncio.sleep(period)
    return runs
