"""Tests for ex03_my_sleep: sleep built from a future and loop.call_later."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import Timer


EXERCISE = "ex03_my_sleep"
_real_asyncio_sleep = asyncio.sleep


@pytest.fixture
def no_asyncio_sleep(monkeypatch):
    """asyncio.sleep is off limits in this exercise."""
    async def forbidden(*args, **kwargs):
        raise AssertionError("This exercise builds sleep itself: do not call asyncio.sleep. Use a "
                             "future and loop.call_later.")

    monkeypatch.setattr(asyncio, "sleep", forbidden)


async def pause(course_seconds: float) -> None:
    await _real_asyncio_sleep(course_seconds)


async def test_wakes_up_on_time(no_asyncio_sleep, ex):
    """sleep_for(2.5, 'x') returns 'x' after 2.5 seconds, not earlier, not later."""
    with Timer() as t:
        value = await ex.sleep_for(2.5, "x")
    assert value == "x", f"sleep_for should return the result it was given, got {value!r}."
    assert abs(t.elapsed - 2.5) < 0.01, (
        f"sleep_for(2.5) took {t.elapsed:.3f} seconds. Give loop.call_later the "
        f"delay itself, and set the result only when the timer fires.")
    assert await ex.sleep_for(0.1) is None, "Without a result, sleep_for returns None."


async def test_many_sleeps_overlap(no_asyncio_sleep, ex):
    """Fifty sleeps at once all finish by the time the longest one does, each at its own time."""
    delays = [((i * 7) % 50) / 10 + 0.1 for i in range(50)]
    finished: dict[int, float] = {}
    start = asyncio.get_running_loop().time()

    async def one(i: int, d: float) -> int:
        value = await ex.sleep_for(d, i)
        finished[i] = asyncio.get_running_loop().time() - start
        return value

    with Timer() as t:
        values = await asyncio.gather(*(one(i, d) for i, d in enumerate(delays)))
    assert values == list(range(50)), "Each sleep_for should return its own result."
    assert t.elapsed < max(delays) + 0.01, (
        f"Fifty sleeps took {t.elapsed:.2f} s; the longest is {max(delays):.2f}. Waiting must "
        f"not hold up the other sleeps.")
    late = [i for i, d in enumerate(delays) if abs(finished[i] - d) > 0.01]
    assert not late, "Some sleeps woke up at the wrong time; each should wake after its own delay."


async def test_cancel_cleans_up_the_timer(no_asyncio_sleep, ex):
    """Cancelling a sleep cancels its timer: nothing fires later, nothing stays scheduled."""
    loop = asyncio.get_running_loop()
    problems: list[str] = []
    loop.set_exception_handler(lambda lp, ctx: problems.append(str(ctx.get("exception") or ctx.get("message"))))
    try:
        task = asyncio.create_task(ex.sleep_for(30.0, "late"))
        await pause(1.0)
        task.cancel()
        await asyncio.wait([task])
        assert task.cancelled(), ("The sleeping task was cancelled but did not end cancelled: let the "
                                  "CancelledError through (clean up in finally, or re-raise it).")
        scheduled = [h for h in getattr(loop, "_scheduled", []) if not h.cancelled()]
        far = [h for h in scheduled if h.when() > loop.time() + 10]
        assert not far, ("After the sleeping task was cancelled, its timer was still scheduled. "
                         "Cancel the TimerHandle that call_later returned (a try/finally helps).")
        await pause(40.0)
    finally:
        loop.set_exception_handler(None)
    assert not problems, (f"Something went wrong after the cancel: {problems[0]}. The callback must "
                          f"not set the result of a future that is already cancelled.")


async def test_uses_a_future_not_a_busy_wait(no_asyncio_sleep, ex):
    """While sleeping, the task is parked: other tasks run freely."""
    ticks = 0

    async def ticker():
        nonlocal ticks
        for _ in range(5):
            ticks += 1
            await pause(0.5)

    other = asyncio.create_task(ticker())
    await ex.sleep_for(3.0)
    await other
    assert ticks == 5, "Another task could not run while sleep_for waited."
