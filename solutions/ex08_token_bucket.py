"""Lesson 08 (Rate limits) · A token-bucket rate limiter: requests per second, with bursts.

A semaphore limits how many calls run *at once*; providers also limit how many you *start per
minute*. The classic tool is a token bucket: it holds at most ``capacity`` tokens and refills
continuously at ``rate`` tokens per second. Each request takes one token; when the bucket is
empty, you wait until the next token has dripped in.

Your task
---------
Write the class ``RateLimiter(rate, capacity)`` with ``await limiter.acquire()``:

* the bucket starts full, so the first ``capacity`` calls go through at once (a burst);
* after that, calls go through at ``rate`` per second on average;
* in **any** window of ``w`` seconds, at most ``capacity + rate * w`` calls get through,
  even with many tasks calling ``acquire`` at the same time;
* waiting must not block the event loop.

Read the time with ``asyncio.get_running_loop().time()`` (a monotonic clock in seconds) and wait
with ``await asyncio.sleep(...)``. (The tests run your code on a fast-forwarded event-loop clock,
so a minute of waiting takes milliseconds.)
"""

from __future__ import annotations

import asyncio


class RateLimiter:
    """At most ``rate`` acquisitions per second on average, bursts of up to ``capacity``."""

    def __init__(self, rate: float, capacity: float) -> None:
        # BEGIN SOLUTION
        if rate <= 0 or capacity < 1:
            raise ValueError("rate must be positive and capacity at least 1")
        self.rate = float(rate)
        self.capacity = float(capacity)
        self._tokens = float(capacity)
        self._updated: float | None = None  # loop time of the last top-up (set on first use)
        # END SOLUTION

    def _refill(self) -> None:
        """Add the tokens that dripped in since the last top-up."""
        # BEGIN SOLUTION
        now = asyncio.get_running_loop().time()
        if self._updated is not None:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        # END SOLUTION

    async def acquire(self) -> None:
        """Wait until a token is available, then take it."""
        # BEGIN SOLUTION
        while True:
            # No await between the check and the take: no other task can run in between, so no
            # lock is needed. After sleeping, check again -- another task may have taken the token.
            self._refill()
            if self._tokens >= 1:
                self._tokens -= 1
                return
            await asyncio.sleep((1 - self._tokens) / self.rate)
        # END SOLUTION

    async def __aenter__(self) -> "RateLimiter":
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None
