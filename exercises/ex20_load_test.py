# Exercise stub generated from solutions/ex20_load_test.py: write your code where it raises NotImplementedError.
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
    raise NotImplementedError("ex20_load_test.percentile is not written yet: replace this line with your code. Need a nudge? hint('ex20_load_test')")


async def load_test(send: Callable[[int], Awaitable[object]], users: int,
                    concurrency: int | None = None) -> dict:
    """Run ``users`` requests (at most ``concurrency`` at once) and summarise them."""
    raise NotImplementedError("ex20_load_test.load_test is not written yet: replace this line with your code. Need a nudge? hint('ex20_load_test')")
