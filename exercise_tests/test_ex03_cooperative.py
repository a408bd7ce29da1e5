"""Tests for ex03_cooperative: CPU work that gives the event loop a turn regularly."""

from __future__ import annotations

import asyncio
import time

import pytest

from course_utils.lag import LagMonitor

EXERCISE = "ex03_cooperative"


async def test_counts_primes(ex):
    """count_primes returns the number of primes below the limit."""
    assert await ex.count_primes(100) == 25, "There are 25 primes below 100."
    assert await ex.count_primes(2) == 0, "There are no primes below 2."
    assert await ex.count_primes(10_000, every=500) == 1229, "There are 1229 primes below 10,000."


def _limit_for(ex, real_seconds: float) -> int:
    """A limit whose count takes at least ``real_seconds`` of CPU on this machine."""
    limit = 20_000
    while True:
        t0 = time.perf_counter()
        for k in range(limit):
            ex.is_prime(k)
        if time.perf_counter() - t0 >= real_seconds or limit > 5_000_000:
            return limit
        limit = int(limit * 1.5)


@pytest.mark.real_time
async def test_loop_keeps_running(ex):
    """While count_primes works, the event loop never freezes (measured with LagMonitor)."""
    limit = _limit_for(ex, 0.15)
    threshold = 0.06
    async with LagMonitor(interval=0.002, threshold=threshold) as lag:
        await ex.count_primes(limit, every=1000)
    assert not lag.blocked, (
        f"The event loop froze for {lag.max_lag:.2f} real seconds while counting. "
        f"Give the loop a turn (await asyncio.sleep(0)) every `every` numbers.")


@pytest.mark.real_time
async def test_other_tasks_make_progress(ex):
    """Another task keeps running during the count: it gets a turn at least every `every` numbers."""
    limit = 30_000
    ticks = 0
    stop = False

    async def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    try:
        await ex.count_primes(limit, every=500)
    finally:
        stop = True
        await other
    turns = limit // 500
    assert ticks >= turns // 2, (
        f"Another task only got {ticks} turn(s) while count_primes checked {limit} numbers; with a "
        f"yield every 500 numbers it gets about {turns}.")
