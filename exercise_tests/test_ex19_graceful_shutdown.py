"""Tests for ex19_graceful_shutdown: a worker pool that stops without losing work."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from _helpers import Probe, Timer, assert_no_leftovers


EXERCISE = "ex19_graceful_shutdown"
EPS = 1e-6


def handler(probe: Probe, seconds: float = 1.0, fail: set | None = None):
    """A handle(item) that takes ``seconds`` seconds and raises for items in ``fail``."""
    done: list = []

    async def handle(item):
        async with probe.track(str(item)):
            await asyncio.sleep(seconds)
            if fail and item in fail:
                raise RuntimeError(f"cannot handle {item}")
            done.append(item)

    handle.done = done  # type: ignore[attr-defined]
    return handle


@contextlib.asynccontextmanager
async def running(coro):
    """Run ``coro`` as a task for the block; cancel and reap it afterwards, even if the test fails."""
    task = asyncio.create_task(coro)
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def filled(n: int) -> asyncio.Queue:
    queue: asyncio.Queue = asyncio.Queue()
    for i in range(n):
        queue.put_nowait(i)
    return queue


async def test_drains_the_queue_after_stop(ex):
    """Stop is set at once, with 9 items queued: all 9 are handled before run_pool returns."""
    probe = Probe()
    handle = handler(probe)
    stop = asyncio.Event()
    stop.set()
    result = await ex.run_pool(filled(9), handle, stop, workers=3)
    assert sorted(handle.done) == list(range(9)), (
        f"Only {len(handle.done)} of 9 queued items were handled. After stop, drain the queue "
        f"(await queue.join()) before releasing the workers.")
    assert result == {"handled": 9, "failed": 0}, f"Expected {{'handled': 9, 'failed': 0}}, got {result!r}."


async def test_uses_all_workers(ex):
    """9 one-second items with 3 workers: 3 at a time, 3.0 seconds in all."""
    probe = Probe()
    stop = asyncio.Event()
    stop.set()
    with Timer() as t:
        await ex.run_pool(filled(9), handler(probe), stop, workers=3)
    assert probe.peak == 3, f"At most 3 items should be handled at once, with all 3 workers busy; the peak was {probe.peak}."
    assert abs(t.elapsed - 3.0) < EPS, f"9 items of 1 s on 3 workers take 3.0 s; this took {t.elapsed:.2f}."


async def test_waits_for_stop(ex):
    """An empty queue is not a reason to return: run_pool serves until stop is set."""
    probe = Probe()
    queue = filled(2)
    stop = asyncio.Event()
    async with running(ex.run_pool(queue, handler(probe), stop, workers=2)) as pool:
        await asyncio.sleep(3.0)
        if pool.done():
            pool.result()  # raises what run_pool raised, if anything
            pytest.fail("run_pool returned before stop was set; it must keep serving the queue until then.")
        queue.put_nowait("late")
        await asyncio.sleep(1.5)
        stop.set()
        result = await pool
    assert result == {"handled": 3, "failed": 0}, f"Items put while running must be handled too; got {result!r}."


async def test_nothing_is_cancelled_half_way(ex):
    """Stop arrives while items are in progress and queued: every one finishes, none is cancelled."""
    probe = Probe()
    handle = handler(probe, seconds=1.0)
    queue: asyncio.Queue = asyncio.Queue()
    stop = asyncio.Event()

    async def outside_world():
        for i in range(5):
            queue.put_nowait(i)
            await asyncio.sleep(0.3)
        stop.set()  # at 1.5 s: items 3 and 4 are in progress or waiting

    async with running(outside_world()):
        with Timer() as t:
            result = await ex.run_pool(queue, handle, stop, workers=2)
    assert probe.cancelled == 0, f"{probe.cancelled} item(s) were cancelled half-way: release only idle workers."
    assert result == {"handled": 5, "failed": 0} and sorted(handle.done) == list(range(5)), (
        f"Every item accepted before the stop must be handled; got {result!r}.")
    assert abs(t.elapsed - 3.0) < EPS, (
        f"The last item finished at 3.0 s, but run_pool returned at {t.elapsed:.2f}: return as soon "
        f"as the queue is drained.")


async def test_failures_are_counted_and_the_worker_carries_on(ex):
    """With one worker, items 1 and 3 fail: they are counted, and items 2 and 4 are still handled."""
    probe = Probe()
    handle = handler(probe, seconds=0.5, fail={1, 3})
    stop = asyncio.Event()
    stop.set()
    task = asyncio.create_task(ex.run_pool(filled(5), handle, stop, workers=1))
    await asyncio.wait([task], timeout=60.0)
    if not task.done():
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise AssertionError(
            f"run_pool never returned: after item 1 failed, {len(handle.done)} item(s) were handled and "
            f"the queue was never drained. Catch Exception around handle(item), count it, keep the "
            f"worker going, and call task_done() in a finally block.")
    result = task.result()
    assert result == {"handled": 3, "failed": 2}, (
        f"Expected {{'handled': 3, 'failed': 2}}, got {result!r}. Catch Exception around handle(item), count "
        f"it, and keep the worker going (task_done() must still be called).")
    await assert_no_leftovers("run_pool")


async def test_leaves_no_task_behind(ex):
    """After run_pool returns, its workers are gone."""
    stop = asyncio.Event()
    stop.set()
    await ex.run_pool(filled(4), handler(Probe(), seconds=0.2), stop, workers=4)
    await assert_no_leftovers("run_pool")


async def test_cancelling_run_pool_stops_the_workers(ex):
    """If run_pool itself is cancelled, it cancels its workers on the way out."""
    stop = asyncio.Event()  # never set
    async with running(ex.run_pool(filled(10), handler(Probe(), seconds=1.0), stop, workers=3)) as pool:
        await asyncio.sleep(1.5)
        if pool.done():
            pool.result()  # it failed early: show why
        pool.cancel()
        try:
            await pool
        except asyncio.CancelledError:
            pass
    await assert_no_leftovers("run_pool (after being cancelled)")
