# MUTATION: starts the clock before taking a slot, so queueing time counts as latency
# EXPECT: not the wait for a slot
async def load_test(send, users, concurrency=None):
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(concurrency) if concurrency else contextlib.nullcontext()

    async def one(i):
        started = loop.time()
        async with limit:
            try:
                await send(i)
            except Exception:
                return False, loop.time() - started
            return True, loop.time() - started

    start = loop.time()
    results = await asyncio.gather(*(one(i) for i in range(users)))
    makespan = loop.time() - start
    ok = [lat for good, lat in results if good]
    return {"answered": len(ok), "failed": users - len(ok), "makespan": makespan,
            "throughput": len(ok) / makespan if makespan else 0.0,
            "p50": percentile(ok, 0.5) if ok else None, "p95": percentile(ok, 0.95) if ok else None}


def percentile(values, q):
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]
