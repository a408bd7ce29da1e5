# MUTATION: an interpolated percentile (statistics.quantiles) instead of nearest rank
# EXPECT: p50/p95 should be
import statistics


def percentile(values, q):
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(q * 100) - 1]


async def load_test(send, users, concurrency=None):
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(concurrency) if concurrency else contextlib.nullcontext()

    async def one(i):
        async with limit:
            started = loop.time()
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
