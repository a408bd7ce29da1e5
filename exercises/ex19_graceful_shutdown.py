# Exercise stub generated from solutions/ex19_graceful_shutdown.py: write your code where it raises NotImplementedError.
"""Lesson 19 (Clean shutdown) · Stop a worker pool without losing work.

An event-driven agent is a queue of events and a few workers that answer them. Stopping it is
where work gets lost: cancel the workers too early and the event being answered is dropped
half-way, together with everything still waiting in the queue.

Your task
---------
Write ``async def run_pool(queue, handle, stop, workers=3) -> dict``:

* start ``workers`` worker tasks. Each one takes items from ``queue`` (an ``asyncio.Queue``)
  and runs ``await handle(item)``, calling ``queue.task_done()`` once per item it took;
* an item whose ``handle`` raises an ``Exception`` counts as failed; its worker carries on;
* wait until ``stop`` (an ``asyncio.Event``) is set. Then let the workers finish every item
  that is in progress or still in the queue (none is cancelled half-way), then cancel the
  idle workers and wait for them to end;
* return ``{"handled": n, "failed": m}``, and leave no task running behind you, also when
  ``run_pool`` itself is cancelled.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable


async def run_pool(queue: asyncio.Queue, handle: Callable[[Any], Awaitable[object]],
                   stop: asyncio.Event, workers: int = 3) -> dict[str, int]:
    """Serve ``queue`` with ``workers`` workers until ``stop``, then drain it and stop cleanly."""
    raise NotImplementedError("ex19_graceful_shutdown.run_pool is not written yet: replace this line with your code. Need a nudge? hint('ex19_graceful_shutdown')")
