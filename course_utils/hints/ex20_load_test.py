"""Hints for ex20_load_test, from a nudge to near-code; shown one at a time by hint("ex20_load_test").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "percentile: sorted(values)[math.ceil(q * len(values)) - 1]. load_test: wrap each request in a "
    "small coroutine that times `await send(i)` and returns (ok, latency); gather them all.",
    "The wrapper catches Exception and returns (False, latency) so one failure does not cancel the "
    "rest. For the concurrency cap, take an asyncio.Semaphore(concurrency) around the timed part "
    "(or contextlib.nullcontext() when there is no cap).",
    "async def one(i): async with limit: t = loop.time(); try: await send(i); return True, "
    "loop.time() - t; except Exception: return False, loop.time() - t -- then start = loop.time(); "
    "results = await asyncio.gather(*(one(i) for i in range(users))); makespan = loop.time() - start",
]
