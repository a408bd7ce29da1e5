"""Lesson 03 (The event loop) · Build ``sleep`` yourself from a future and a timer.

``asyncio.sleep`` is not magic: it creates a future, asks the loop to resolve it later with
``loop.call_later``, and awaits the future. While it waits, the coroutine is parked and the loop
runs everything else. Building it yourself shows what the loop actually schedules.

Your task
---------
Write ``sleep_for(delay, result=None)`` **without** ``asyncio.sleep`` (or anything that calls it):

1. Get the running loop and create a future with ``loop.create_future()``.
2. Schedule a callback with ``loop.call_later`` that sets the future's result to ``result``
   after ``delay`` seconds.
3. Await the future and return its result.
4. If the sleeping task is cancelled, cancel the timer too, so no stale callback stays
   scheduled and nothing tries to set the result of a cancelled future.
"""

from __future__ import annotations

import asyncio


async def sleep_for(delay: float, result=None):
    """Wait ``delay`` seconds using a future and ``loop.call_later``; return ``result``."""
    # BEGIN SOLUTION
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(result)

    handle = loop.call_later(max(0.0, delay), wake)
    try:
        return await future
    finally:
        handle.cancel()
    # END SOLUTION
