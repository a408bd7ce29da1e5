"""Tests for ex15_usage_race: a check/await/act race on a shared budget, fixed."""

from __future__ import annotations

import asyncio

from _helpers import Timer, expect_raises

EXERCISE = "ex15_usage_race"
ROUND_TRIP = 0.1  # seconds per read of the store
WRITE_TRIP = 0.15  # seconds per write (a write takes longer than a read, as in most stores)


class Store:
    """A counter behind a network round trip, with an optional failure."""

    def __init__(self, fail_next_set: bool = False, fail_next_get: bool = False):
        self.value = 0
        self.gets = self.sets = 0
        self.fail_next_set = fail_next_set
        self.fail_next_get = fail_next_get

    async def get(self):
        self.gets += 1
        await asyncio.sleep(ROUND_TRIP)
        if self.fail_next_get:
            self.fail_next_get = False
            raise ConnectionError("the store did not answer")
        return self.value

    async def set(self, value):
        self.sets += 1
        await asyncio.sleep(WRITE_TRIP)
        if self.fail_next_set:
            self.fail_next_set = False
            raise ConnectionError("the store went away")
        self.value = value


async def test_the_budget_is_never_exceeded(ex):
    """Twenty agents ask for 10 tokens each with limit=100: exactly ten are approved."""
    store = Store()
    tracker = ex.UsageTracker(store, 100)
    approved = await asyncio.gather(*(tracker.add(10) for _ in range(20)))
    assert sum(1 for a in approved if a is True) == 10 and store.value == 100, (
        f"{sum(1 for a in approved if a)} of 20 requests for 10 tokens were approved with limit=100 and "
        f"the store holds {store.value}. The agents read the same total, each found room, and each "
        f"wrote: other tasks run at every await between get() and set(). Make the read, the check "
        f"and the write one step with an asyncio.Lock.")
    assert all(a is True or a is False for a in approved), f"add should return True or False, got {approved!r}."


async def test_no_lost_updates(ex):
    """Twenty concurrent adds under a generous limit: the store ends with the exact sum."""
    store = Store()
    tracker = ex.UsageTracker(store, 10**9)
    amounts = [10 * i + 7 for i in range(20)]
    await asyncio.gather(*(tracker.add(n) for n in amounts))
    assert store.value == sum(amounts), (
        f"The store holds {store.value} but the agents added {sum(amounts)}: updates were lost, because "
        f"another agent wrote between one agent's get() and its set(). Hold one asyncio.Lock across both.")
    assert store.sets == len(amounts), f"Each add should write the store once; it was written {store.sets} times."


async def test_a_refused_add_writes_nothing(ex):
    """An add that would exceed the limit returns False and leaves the store alone."""
    store = Store()
    tracker = ex.UsageTracker(store, 50)
    assert await tracker.add(40) is True, "40 tokens fit in a budget of 50: add should return True."
    assert await tracker.add(20) is False, "40 + 20 exceeds the limit of 50: add should return False."
    assert store.value == 40 and store.sets == 1, (
        f"A refused add must not write: the store holds {store.value} after {store.sets} write(s).")


async def test_trackers_do_not_block_each_other(ex):
    """Two trackers on two stores work in parallel: the lock belongs to the tracker."""
    a, b = ex.UsageTracker(Store(), 1000), ex.UsageTracker(Store(), 1000)
    with Timer() as t:
        await asyncio.gather(*(a.add(1) for _ in range(5)), *(b.add(1) for _ in range(5)))
    one_tracker = 5 * (ROUND_TRIP + WRITE_TRIP)
    assert t.elapsed <= one_tracker + 0.05, (
        f"Ten adds on two separate trackers took {t.elapsed:.2f} s, as if they shared one lock; "
        f"one tracker's five adds take {one_tracker:.2f}. Create the lock in __init__.")


async def test_store_failure_does_not_jam_the_tracker(ex):
    """If the store fails, the error reaches the caller and later adds still work."""
    for store in (Store(fail_next_set=True), Store(fail_next_get=True)):
        tracker = ex.UsageTracker(store, 100)
        with expect_raises(ConnectionError, "the store's ConnectionError to reach the caller"):
            await tracker.add(5)
        try:
            await asyncio.wait_for(tracker.add(3), timeout=5.0)
        except TimeoutError:
            raise AssertionError("After the store failed once, the next add hung: the lock was never "
                                 "released. `async with lock:` releases it even when the body raises.") from None
        assert store.value == 3, f"After the failed add, add(3) should leave 3 in the store, got {store.value}."


async def test_sequential_adds(ex):
    """One after another, adds simply accumulate."""
    store = Store()
    tracker = ex.UsageTracker(store, 100)
    for n in (1, 2, 3):
        assert await tracker.add(n) is True, f"add({n}) fits in the budget: it should return True."
    assert store.value == 6, f"1 + 2 + 3 should leave 6 in the store, got {store.value}."
