"""Lesson 03 (The event loop) · Be a good neighbour: CPU work that lets the event loop breathe.

The event loop runs one thing at a time. A coroutine that computes for a long stretch without
ever reaching an ``await`` freezes every other task: no tool call completes, no heartbeat
fires, no token streams. ``await asyncio.sleep(0)`` hands control back to the loop for one
round, so the others get their turn, and then your coroutine carries on.

Your task
---------
Write ``count_primes(limit, every=1000)``, which returns how many primes are below ``limit``
(use the given ``is_prime``), and gives the event loop a turn at least once every ``every``
numbers it checks.

The tests run it next to other tasks and measure the loop's lag with
``course_utils.LagMonitor``: a version that never yields freezes the loop for the whole count.
"""

from __future__ import annotations

import asyncio


def is_prime(n: int) -> bool:
    """True if ``n`` is prime (trial division; deliberately plain CPU work). (Given.)"""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0:
            return False
        i += 2
    return True


async def count_primes(limit: int, every: int = 1000) -> int:
    """How many primes are below ``limit``, yielding to the loop at least every ``every`` numbers."""
    # BEGIN SOLUTION
    count = 0
    for n in range(2, limit):
        if is_prime(n):
            count += 1
        if n % every == 0:
            await asyncio.sleep(0)
    return count
    # END SOLUTION
