# Exercise stub generated from solutions/ex12_single_flight.py: write your code where it raises NotImplementedError.
"""Lesson 12 · Merge identical calls that are already in flight ("single flight").

Ten users ask the same question at the same moment. Without coordination the agent makes ten
identical LLM calls; with a single-flight guard it makes one, and all ten callers get its
result. (Lesson 12's TTL cache adds expiry on top of exactly this.)

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

HINTS = [
    "Keep a dict from key to the *task* running fn(). The first caller creates the task; later "
    "callers find it in the dict and await the same task.",
    "asyncio.create_task(fn()) starts the call; task.add_done_callback(...) is the place to remove "
    "the key from the dict when it finishes (and to call task.exception() if it failed, so the "
    "error counts as retrieved). Every caller does `return await asyncio.shield(task)`.",
    "task = self._in_flight.get(key); if task is None: task = asyncio.create_task(fn()); "
    "self._in_flight[key] = task; task.add_done_callback(lambda t: (self._in_flight.pop(key, None), "
    "t.cancelled() or t.exception())) -- then return await asyncio.shield(task)",
]


class SingleFlight:
    """Concurrent ``do(key, fn)`` calls with the same key share one call of ``fn``."""

    def __init__(self) -> None:
        raise NotImplementedError("ex12_single_flight.SingleFlight.__init__ is not written yet: replace this line with your code. Need a nudge? hint('ex12_single_flight')")

    async def do(self, key: Hashable, fn: Callable[[], Awaitable[Any]]) -> Any:
        """The result of ``fn()``, shared with every concurrent caller of the same ``key``."""
        raise NotImplementedError("ex12_single_flight.SingleFlight.do is not written yet: replace this line with your code. Need a nudge? hint('ex12_single_flight')")
