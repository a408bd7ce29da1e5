"""Hints for ex18_periodic, from a nudge to near-code; shown one at a time by hint("ex18_periodic").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Remember when you started. After each job, work out the next tick still ahead: "
    "start + n * period for the smallest n that is later than now.",
    "The next tick is start + (math.floor((now - start) / period) + 1) * period. To wait until "
    "then *or* until stop is set: `async with asyncio.timeout(wait): await "
    "stop.wait()` inside a try/except TimeoutError.",
    "start = loop.time(); runs = 0; while not stop.is_set(): await job(); runs += 1; now = "
    "loop.time(); wait = start + (math.floor((now - start) / period) + 1) * period - now; then "
    "the timeout-guarded stop.wait() from the previous hint; finally return runs",
]
