# Exercise stub generated from solutions/ex08_token_bucket.py: write your code where it raises NotImplementedError.
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
        raise NotImplementedError("ex08_token_bucket.RateLimiter.__init__ is not written yet: replace this line with your code. Need a nudge? hint('ex08_token_bucket')")

    def _refill(self) -> None:
        """Add the tokens that dripped in since the last top-up."""
        raise NotImplementedError("ex08_token_bucket.RateLimiter._refill is not written yet: replace this line with your code. Need a nudge? hint('ex08_token_bucket')")

    async def acquire(self) -> None:
        """Wait until a token is available, then take it."""
        raise NotImplementedError("ex08_token_bucket.RateLimiter.acquire is not written yet: replace this line with your code. Need a nudge? hint('ex08_token_bucket')")

    async def __aenter__(self) -> "RateLimiter":
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None
