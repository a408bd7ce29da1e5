"""Lesson 20 (Capstone) · A load test that reports what users feel.

The capstone's report rests on a small load tester: start many requests at once, time each one,
count the failures, and summarise with percentiles rather than an average (one slow request in
twenty is invisible in a mean and obvious in a p95).

Your task
---------
1. Write ``percentile(values, q)``: the nearest-rank percentile of a non-empty list: sort it and
   take the value at 1-based position ``ceil(q * n)`` (``q`` between 0 and 1, exclusive of 0).
   For ``[1, 2, 3, 4]``: q=0.5 gives 2, q=0.95 gives 4.

2. Write ``async def load_test(send, users, concurrency=None) -> dict``:

   * ``send(i)`` is an async function making request number ``i`` (``0 <= i < users``). Run all
     the requests concurrently; if ``concurrency`` is given, at most that many at once;
   * a request's latency is the seconds (``loop.time()``) that ``await send(i)`` took;
   * a request that raises an ``Exception`` is *failed*; no such exception escapes ``load_test``;
   * return a dict with ``answered`` and ``failed`` (counts), ``makespan`` (seconds from
     the start of ``load_test`` until the last request ended), ``throughput`` (answered /
     makespan), and ``p50`` and ``p95`` (``percentile`` of the answered latencies; ``None``
     when nothing was answered);
   * leave no task running, also when ``load_test`` itself is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from typing import Awaitable, Callable



def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the value at 1-based position ceil(q * n) of the sorted list."""
    # BEGIN SOLUTION
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]
    # END SOLUTION


async def load_test(send: Callable[[int], Awaitable[object]], users: int,
                    concurrency: int | None = None) -> dict:
    """Run ``users`` requests (at most ``concurrency`` at once) and summarise them."""
    # BEGIN SOLUTION
    loop = asyncio.get_running_loop()
    limit = asyncio.Semaphore(concurrency) if concurrency else contextlib.nullcontext()

    async def one(i: int) -> tuple[bool, float]:
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
    latencies = [latency for ok, latency in results if ok]
    return {
        "answered": len(latencies),
        "failed": users - len(latencies),
        "makespan": makespan,
        "throughput": len(latencies) / makespan if makespan > 0 else 0.0,
        "p50": percentile(latencies, 0.5) if latencies else None,
        "p95": percentile(latencies, 0.95) if latencies else None,
    }
    # END SOLUTION
