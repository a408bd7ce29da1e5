"""Lesson 16 (Debugging) · Merge identical calls that are already in flight ("single flight").

Ten users ask the same question at the same moment. Without coordination the agent makes ten
identical LLM calls; with a single-flight guard it makes one, and all ten callers get its
result. (Lesson 16's TTL cache adds expiry on top of exactly this.)

Your task
---------
Write ``SingleFlight.do(key, fn)``, where ``fn`` is an async function taking no arguments
(e.g. ``functools.partial(llm.complete, question)``):

* if no call for ``key`` is in flight, start ``fn()`` and return its result;
* if one is in flight, don't call ``fn`` again: wait for the running call and return the same
  result;
* once a call has finished, the next ``do(key, ...)`` calls ``fn`` again (no caching);
* if the call fails, every waiter gets the exception, and the failure is not remembered;
* a waiter that is cancelled must not cancel the shared call for the others
  (``asyncio.shield``), and no exception may be left unretrieved.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Hashable


class SingleFlight:
    """Concurrent ``do(key, fn)`` calls with the same key share one call of ``fn``."""

    def __init__(self) -> None:
        # BEGIN SOLUTION
        self._in_flight: dict[Hashable, asyncio.Task[Any]] = {}
        # END SOLUTION

    async def do(self, key: Hashable, fn: Callable[[], Awaitable[Any]]) -> Any:
        """The result of ``fn()``, shared with every concurrent caller of the same ``key``."""
        # BEGIN SOLUTION
        task = self._in_flight.get(key)
        if task is None:
            task = asyncio.ensure_future(fn())  # not create_task: fn() may return any awaitable
            self._in_flight[key] = task

            def forget(finished: asyncio.Task[Any]) -> None:
                if self._in_flight.get(key) is finished:
                    del self._in_flight[key]
                if not finished.cancelled():
                    finished.exception()  # every waiter got it; mark it as retrieved

            task.add_done_callback(forget)
        return await asyncio.shield(task)
        # END SOLUTION
