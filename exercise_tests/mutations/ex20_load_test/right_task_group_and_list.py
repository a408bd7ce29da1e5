# Tasks in a TaskGroup append (ok, latency) to a list; percentile via sorted index.
def percentile(values, q):
    return sorted(values)[math.ceil(q * len(values)) - 1]


async def load_test(send, users, concurrency=None):
    loop = asyncio.get_running_loop()
    gate = asyncio.Semaphore(concurrency or users or 1)
    results = []

    async def one(i):
        async with gate:
            t0 = loop.time()
            try:
                await send(i)
                results.append((True, loop.time() - t0))
            except Exception:
                results.append((False, loop.time() - t0))

    start = loop.time()
    async with asyncio.TaskGroup() as tg:
        for i in range(users):
            tg.create_task(one(i))
    makespan = loop.time() - start
    answered = [lat for ok, lat in results if ok]
    return {"answered": len(answered), "failed": len(results) - len(answered), "makespan": makespan,
            "throughput": (len(answered) / makespan) if makespan > 0 else 0.0,
            "p50": percentile(answered, 0.5) if answered else None,
            "p95": percentile(answered, 0.95) if answered else None}
