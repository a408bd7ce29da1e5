# Exercise stub generated from solutions/ex14_periodic.py: write your code where it raises NotImplementedError.
"""Lesson 14 · A periodic job that keeps time and stops at once.

Agents run jobs on a timer: refresh a token, poll a folder, flush metrics. Two details separate
a good timer loop from ``while True: await job(); await sleep(period)``: that loop *drifts*
(each round takes ``period`` plus the job's own time), and it only notices a stop request after
a whole ``period`` of sleep.

Your task
---------
Write ``async def run_every(period, job, stop) -> int``:

* call ``await job()`` at once, then on a fixed schedule: the k-th call starts ``k * period``
  course seconds after the first, however long the job takes (no drift);
* if a call overruns one or more ticks, skip them: the next call starts at the next tick still
  ahead (no burst of catch-up calls);
* ``stop`` is an ``asyncio.Event``. If it is already set, return 0 without calling ``job``.
  When it is set while waiting, return at once; while a job runs, let that job finish (do not
  cancel it) and then return without starting another;
* return the number of calls. If ``job`` raises, let the exception reach the caller.

Read the time with ``clock.now()`` (course seconds); wait with ``await``, never ``time.sleep``.
Waiting for the event *with a timeout* (``asyncio.timeout(clock.to_real(seconds))``) is the
interruptible sleep you need.
"""

from __future__ import annotations

import asyncio
import math
from typing import Awaitable, Callable

from course_utils import clock

HINTS = [
    "Remember when you started. After each job, work out the next tick still ahead: "
    "start + n * period for the smallest n that is later than now.",
    "The next tick is start + (math.floor((now - start) / period) + 1) * period. To wait until "
    "then *or* until stop is set: `async with asyncio.timeout(clock.to_real(wait)): await "
    "stop.wait()` inside a try/except TimeoutError.",
    "start = clock.now(); runs = 0; while not stop.is_set(): await job(); runs += 1; now = "
    "clock.now(); wait = start + (math.floor((now - start) / period) + 1) * period - now; then "
    "the timeout-guarded stop.wait() from the previous hint; finally return runs",
]


async def run_every(period: float, job: Callable[[], Awaitable[object]], stop: asyncio.Event) -> int:
    """Run ``job`` every ``period`` course seconds until ``stop`` is set; return the run count."""
    raise NotImplementedError("ex14_periodic.run_every is not written yet: replace this line with your code. Need a nudge? hint('ex14_periodic')")
