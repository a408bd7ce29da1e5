# Exercise stub generated from solutions/ex16_single_flight.py: write your code where it raises NotImplementedError.
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
        raise NotImplementedError("ex16_single_flight.SingleFlight.__init__ is not written yet: replace this line with your code. Need a nudge? hint('ex16_single_flight')")

    async def do(self, key: Hashable, fn: Callable[[], Awaitable[Any]]) -> Any:
        """The result of ``fn()``, shared with every concurrent caller of the same ``key``."""
        raise NotImplementedError("ex16_single_flight.SingleFlight.do is not written yet: replace this line with your code. Need a nudge? hint('ex16_single_flight')")
