"""Tests for ex08_token_bucket: bursts up to capacity, then a steady rate, for any number of tasks."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import InstrumentedLLM, Timer, now, virtual_limits

EXERCISE = "ex08_token_bucket"


def worst_window(times: list[float], rate: float, capacity: float) -> tuple[int, float, float]:
    """The window where the most calls got through compared with what is allowed."""
    times = sorted(times)
    worst = (0, 0.0, 0.0)
    for i in range(len(times)):
        for j in range(i, len(times)):
            count = j - i + 1
            width = times[j] - times[i]
            allowed = capacity + rate * width + 1e-6
            if count - allowed > worst[0] - worst[2]:
                worst = (count, width, allowed)
    return worst


def check_window(times: list[float], rate: float, capacity: float) -> None:
    count, width, allowed = worst_window(times, rate, capacity)
    assert count <= allowed, (
        f"{count} calls got through within {width:.2f} s, but rate={rate:g}/s with "
        f"capacity={capacity:g} allows at most {int(allowed)}. Refill by elapsed time, never above capacity, take "
        f"one token per call, and check again after every wait (another task may have taken the token).")


async def test_burst_then_steady_rate(ex):
    """The first `capacity` calls pass at once; after that, one every 1/rate seconds."""
    limiter = ex.RateLimiter(rate=2.0, capacity=5)
    times = []
    with Timer() as t:
        for _ in range(25):
            await limiter.acquire()
            times.append(now())
    start = t.start
    burst = [x - start for x in times[:5]]
    assert max(burst) < 0.01, ("The bucket starts full: the first five calls should pass at once, "
                               f"but the fifth waited {max(burst):.2f} s.")
    check_window(times, 2.0, 5)
    ideal = (25 - 5) / 2.0
    assert t.elapsed <= ideal + 0.5, (f"25 calls took {t.elapsed:.2f} s; the limit allows them in "
                                      f"{ideal:.1f}. Do not wait longer than needed for the next token.")


@pytest.mark.parametrize("rate,capacity", [(10.0, 1), (3.0, 4)])
async def test_many_tasks_at_once(ex, rate, capacity):
    """Twenty tasks calling acquire at the same time never beat the limit, and all get through."""
    limiter = ex.RateLimiter(rate=rate, capacity=capacity)
    times: list[float] = []

    async def caller():
        await limiter.acquire()
        times.append(now())

    with Timer() as t:
        await asyncio.gather(*(caller() for _ in range(20)))
    assert len(times) == 20, "Every caller should get through eventually."
    check_window(times, rate, capacity)
    ideal = (20 - capacity) / rate
    assert t.elapsed <= 1.2 * ideal + 0.2, (f"Twenty calls took {t.elapsed:.2f} s; the limit allows "
                                            f"them in {ideal:.1f}.")


async def test_keeps_a_provider_happy(ex):
    """Behind the limiter, a provider allowing 60 requests/min with bursts of 3 sends no 429."""
    llm = InstrumentedLLM(rate_limits=virtual_limits(requests_per_minute=60, burst_requests=3))
    limiter = ex.RateLimiter(rate=0.95, capacity=3)

    async def call(i: int):
        await limiter.acquire()
        return await llm.complete(f"question {i}")

    await asyncio.gather(*(call(i) for i in range(10)))
    refused = llm.usage.errors.get("rate_limit", 0)
    assert refused == 0, f"The provider refused {refused} call(s) with a 429: the limiter let too many through."


async def test_an_idle_bucket_holds_at_most_capacity(ex):
    """After a long pause the bucket is full, not overfull: the next burst is at most `capacity`."""
    limiter = ex.RateLimiter(rate=2.0, capacity=3)
    times: list[float] = []
    for _ in range(3):
        await limiter.acquire()
        times.append(now())
    await asyncio.sleep(20.0)  # 40 tokens' worth of time: the bucket still holds only 3

    async def caller():
        await limiter.acquire()
        times.append(now())

    await asyncio.gather(*(caller() for _ in range(8)))
    check_window(times[3:], 2.0, 3)
