"""Tests for ex15_usage_race: no lost updates on a shared counter."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import Timer


EXERCISE = "ex15_usage_race"
ROUND_TRIP = 0.1  # seconds per store access


class Store:
    """A counter behind a network round trip, with an optional failure."""

    def __init__(self, fail_next_set: bool = False):
        self.value = 0
        self.gets = self.sets = 0
        self.fail_next_set = fail_next_set

    async def get(self):
        self.gets += 1
        await asyncio.sleep(ROUND_TRIP)
        return self.value

    async def set(self, value):
        self.sets += 1
        await asyncio.sleep(ROUND_TRIP)
        if self.fail_next_set:
            self.fail_next_set = False
            raise ConnectionError("the store went away")
        self.value = value


async def test_no_lost_updates(ex):
    """Twenty concurrent adds: the store ends with the exact sum."""
    store = Store()
    tracker = ex.UsageTracker(store)
    amounts = [10 * i + 7 for i in range(20)]
    await asyncio.gather(*(tracker.add(n) for n in amounts))
    assert store.value == sum(amounts), (
        f"The store holds {store.value} but the agents added {sum(amounts)}: updates were lost. "
        f"Make the read and the write one step with an asyncio.Lock.")
    assert store.sets == len(amounts), f"Each add should write the store once; it was written {store.sets} times."


async def test_trackers_do_not_block_each_other(ex):
    """Two trackers on two stores work in parallel: the lock belongs to the tracker."""
    a, b = ex.UsageTracker(Store()), ex.UsageTracker(Store())
    with Timer() as t:
        await asyncio.gather(*(a.add(1) for _ in range(5)), *(b.add(1) for _ in range(5)))
    one_tracker = 5 * 2 * ROUND_TRIP
    assert t.elapsed <= one_tracker + 0.05, (
        f"Ten adds on two separate trackers took {t.elapsed:.2f} s, as if they shared one lock; "
        f"one tracker's five adds take {one_tracker:.2f}. Create the lock in __init__.")


async def test_store_failure_does_not_jam_the_tracker(ex):
    """If the store fails, the error reaches the caller and later adds still work."""
    store = Store(fail_next_set=True)
    tracker = ex.UsageTracker(store)
    with pytest.raises(ConnectionError):
        await tracker.add(5)
    await asyncio.wait_for(tracker.add(3), timeout=5.0)
    assert store.value == 3, f"After the failed add, add(3) should leave 3 in the store, got {store.value}."


async def test_sequential_adds(ex):
    """One after another, adds simply accumulate."""
    store = Store()
    tracker = ex.UsageTracker(store)
    for n in (1, 2, 3):
        await tracker.add(n)
    assert store.value == 6
