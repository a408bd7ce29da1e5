"""Tests for ex14_offload: blocking calls in a right-sized thread pool, off the event loop."""

from __future__ import annotations

import asyncio
import os
import threading
import time

import pytest
from _helpers import expect_raises

EXERCISE = "ex14_offload"
#: Real seconds each blocking call takes (these tests run on the real clock: threads really sleep).
CALL = 0.03
# The default executor's size: os.process_cpu_count() from Python 3.13, os.cpu_count() before.
DEFAULT_THREADS = min(32, ((getattr(os, "process_cpu_count", None) or os.cpu_count)() or 1) + 4)

pytestmark = pytest.mark.real_time


class Blocking:
    """A blocking function that records how many calls overlap and on which threads they ran."""

    def __init__(self, fail_on=None, slower_first=False):
        # slower_first: earlier arguments take longer, so the calls finish out of argument order
        # and an answer that collects results as they finish cannot pass by luck of timing.
        self.slower_first = slower_first
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.threads: set[str] = set()
        self.fail_on = fail_on

    def __call__(self, x):
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.threads.add(threading.current_thread().name)
        try:
            time.sleep(CALL * (1 + (9 - x) % 4) if self.slower_first else CALL)
            if x == self.fail_on:
                raise ValueError(f"bad input {x}")
            return x * 10
        finally:
            with self.lock:
                self.active -= 1


async def test_results_in_order(ex):
    """The results come back in the order of the arguments, whatever order the calls finish in."""
    fn = Blocking(slower_first=True)
    results = await ex.gather_blocking(fn, list(range(10)), 4)
    assert results == [x * 10 for x in range(10)], f"Expected results in argument order, got {results!r}."
    assert threading.main_thread().name not in fn.threads, "fn ran on the event loop's thread."


async def test_never_more_than_max_threads(ex):
    """With max_threads=3, never more than 3 calls at once, and 3 while work is waiting."""
    fn = Blocking()
    await ex.gather_blocking(fn, list(range(12)), 3)
    assert fn.peak <= 3, f"{fn.peak} calls ran at once with max_threads=3."
    assert fn.peak == 3, f"Only {fn.peak} call(s) ran at once though max_threads=3 and work was waiting."


async def test_more_threads_than_the_default_pool(ex):
    """max_threads above the default pool's size is honoured too (to_thread alone cannot)."""
    wanted = DEFAULT_THREADS + 2
    fn = Blocking()
    await ex.gather_blocking(fn, list(range(2 * wanted)), wanted)
    assert fn.peak == wanted, (
        f"At most {fn.peak} calls ran at once, but max_threads={wanted}. asyncio.to_thread uses the loop's "
        f"default pool ({DEFAULT_THREADS} threads here); give run_in_executor a ThreadPoolExecutor of your own.")


async def test_loop_keeps_running(ex):
    """Other tasks keep running while the blocking calls are in their threads."""
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(CALL / 5)
            ticks += 1

    task = asyncio.create_task(ticker())
    try:
        await ex.gather_blocking(Blocking(), list(range(8)), 2)   # four rounds of CALL
    finally:
        task.cancel()
    assert ticks >= 5, f"Another task ticked only {ticks} time(s) meanwhile: the event loop was blocked."


async def test_errors_reach_the_caller(ex):
    """If fn raises, gather_blocking raises that error."""
    with expect_raises(ValueError, "the ValueError raised by fn(3) to reach the caller"):
        await ex.gather_blocking(Blocking(fail_on=3), list(range(6)), 3)
