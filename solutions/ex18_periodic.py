"""Lesson 18 (Background tasks) · A periodic job that keeps time and stops at once.

Agents run jobs on a timer: refresh a token, poll a folder, flush metrics. Two details separate
a good timer loop from ``while True: await job(); await sleep(period)``: that loop *drifts*
(each round takes ``period`` plus the job's own time), and it only notices a stop request after
a whole ``period`` of sleep.

Your task
---------
Write ``async def run_every(period, job, stop) -> int``:

* call ``await job()`` at once, then on a fixed schedule: the k-th call starts ``k * period``
  seconds after the first, however long the job takes (no drift);
* if a call overruns one or more ticks, skip them: the next call starts at the next tick still
  ahead (no burst of catch-up calls);
* ``stop`` is an ``asyncio.Event``. If it is already set, return 0 without calling ``job``.
  When it is set while waiting, return at once; while a job runs, let that job finish (do not
  cancel it) and then return without starting another;
* return the number of calls. If ``job`` raises, let the exception reach the caller.

Read the time with ``asyncio.get_running_loop().time()``; wait with ``await``, never ``time.sleep``.
Waiting for the event *with a timeout* (``asyncio.timeout(seconds)``) is the
interruptible sleep you need.
"""

from __future__ import annotations

import asyncio
import math
from typing import Awaitable, Callable



async def run_every(period: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event) -> int:
    """Run ``job`` every ``period`` seconds until ``stop`` is set; return the run count."""
    # BEGIN SOLUTION
    loop = asyncio.get_running_loop()
    start = loop.time()
    runs = 0
    while not stop.is_set():
        await job()
        runs += 1
        now = loop.time()
        next_tick = start + (math.floor((now - start) / period) + 1) * period
        try:
            async with asyncio.timeout(next_tick - now):
                await stop.wait()
        except TimeoutError:
            pass
    return runs
    # END SOLUTION
