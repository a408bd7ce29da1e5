"""Lesson 06 · A token-bucket rate limiter: requests per second, with bursts.

A semaphore limits how many calls run *at once*; providers also limit how many you *start per
minute*. The classic tool is a token bucket: it holds at most ``capacity`` tokens and refills
continuously at ``rate`` tokens per second. Each request takes one token; when the bucket is
empty, you wait until the next token has dripped in.

Your task
---------
Write the class ``RateLimiter(rate, capacity)`` with ``await limiter.acquire()``:

* the bucket starts full, so the first ``capacity`` calls go through at once (a burst);
* after that, calls go through at ``rate`` per course second on average;
* in **any** window of ``w`` course seconds, at most ``capacity + rate * w`` calls get through,
  even with many tasks calling ``acquire`` at the same time;
* waiting must not block the event loop.

Measure time with ``course_utils.clock.now()`` and wait with ``await clock.sleep(...)``; both
use course seconds. (The tests run on a fast-forwarded clock that these two follow.)
"""

from __future__ import annotations

import asyncio

from course_utils import clock

HINTS = [
    "Keep two numbers: how many tokens are in the bucket, and when you last topped it up. Before "
    "looking at the bucket, add rate * (now - last) tokens, capped at capacity.",
    "If there is at least one token, take it and return. Otherwise the next token arrives in "
    "(1 - tokens) / rate seconds: sleep that long, then check again. With many tasks calling at "
    "once, an asyncio.Lock around the check-and-take (and the sleep) keeps them from all taking "
    "the same token.",
    "async with self._lock: while True: self._refill(); if self._tokens >= 1: self._tokens -= 1; "
    "return; await clock.sleep((1 - self._tokens) / self.rate)",
]


class RateLimiter:
    """At most ``rate`` acquisitions per course second on average, bursts of up to ``capacity``."""

    def __init__(self, rate: float, capacity: float) -> None:
        # BEGIN SOLUTION
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._tokens = float(capacity)
        self._updated = clock.now()
        self._lock = asyncio.Lock()
        # END SOLUTION

    def _refill(self) -> None:
        """Add the tokens that dripped in since the last top-up."""
        # BEGIN SOLUTION
        now = clock.now()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        # END SOLUTION

    async def acquire(self) -> None:
        """Wait until a token is available, then take it."""
        # BEGIN SOLUTION
        async with self._lock:
            while True:
                self._refill()
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await clock.sleep((1 - self._tokens) / self.rate)
        # END SOLUTION

    async def __aenter__(self) -> "RateLimiter":
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None
