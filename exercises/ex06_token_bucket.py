# Exercise stub generated from solutions/ex06_token_bucket.py: write your code where it raises NotImplementedError.
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
        raise NotImplementedError("ex06_token_bucket.RateLimiter.__init__ is not written yet: replace this line with your code. Need a nudge? hint('ex06_token_bucket')")

    def _refill(self) -> None:
        """Add the tokens that dripped in since the last top-up."""
        raise NotImplementedError("ex06_token_bucket.RateLimiter._refill is not written yet: replace this line with your code. Need a nudge? hint('ex06_token_bucket')")

    async def acquire(self) -> None:
        """Wait until a token is available, then take it."""
        raise NotImplementedError("ex06_token_bucket.RateLimiter.acquire is not written yet: replace this line with your code. Need a nudge? hint('ex06_token_bucket')")

    async def __aenter__(self) -> "RateLimiter":
        await self.acquire()
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None
