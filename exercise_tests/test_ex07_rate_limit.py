"""Tests for ex07_rate_limit: a concurrency limit with a semaphore."""

from __future__ import annotations

import heapq

import pytest
from _helpers import FakeLLM, InstrumentedLLM, Timer

from course_utils.faults import FaultPlan, ServerError

EXERCISE = "ex07_rate_limit"
PROMPTS = [f"Summarise document number {i} in one sentence." for i in range(12)]


def greedy_makespan(durations: list[float], slots: int) -> float:
    """How long the jobs take in order with `slots` at a time (what a semaphore gives)."""
    free = [0.0] * slots
    for d in durations:
        start = heapq.heappop(free)
        heapq.heappush(free, start + d)
    return max(free)


async def test_results_in_order(ex):
    """fetch_all returns one completion per prompt, in the order of the prompts."""
    llm = InstrumentedLLM()
    results = await ex.fetch_all(llm, PROMPTS, 3)
    assert isinstance(results, list) and len(results) == len(PROMPTS), (
        f"fetch_all should return a list with one completion per prompt ({len(PROMPTS)}).")
    wrong = [i for i, (p, r) in enumerate(zip(PROMPTS, results)) if llm.by_prompt.get(p) is not r]
    assert not wrong, (f"The completion at position {wrong[0]} is not the answer to prompt {wrong[0]}: "
                       f"keep the results in the order of the prompts.")


@pytest.mark.parametrize("limit", [1, 3, 5])
async def test_limit_is_respected_and_used(ex, limit):
    """Never more than `limit` calls in flight, and exactly `limit` while there is work waiting."""
    llm = InstrumentedLLM()
    await ex.fetch_all(llm, PROMPTS, limit)
    assert llm.probe.peak <= limit, (f"{llm.probe.peak} calls were in flight at once with limit={limit}. "
                                     f"Each call must hold a slot of one shared semaphore while it runs.")
    assert llm.probe.peak == limit, (f"Only {llm.probe.peak} call(s) ran at once though limit={limit} "
                                     f"and there was plenty of work waiting.")


async def test_wall_time_close_to_ideal(ex):
    """With limit=3, twelve calls take about four rounds, not twelve calls in a row."""
    llm = InstrumentedLLM()
    with Timer() as t:
        await ex.fetch_all(llm, PROMPTS, 3)
    durations = [end - start for _, start, end in sorted(llm.probe.calls, key=lambda c: c[1])]
    ideal = greedy_makespan(durations, 3)
    assert t.elapsed <= 1.25 * ideal, (
        f"fetch_all took {t.elapsed:.2f} s; three at a time it takes about {ideal:.2f}. Are the "
        f"calls made one after the other?")


async def test_a_free_slot_is_used_at_once(ex):
    """When one call finishes early, the next prompt starts right away (no waiting for a whole batch)."""
    latency = {p: (3.0 if i % 3 == i // 3 % 3 else 1.0) for i, p in enumerate(PROMPTS[:9])}
    llm = FakeLLM("varied", latency=lambda p: latency[p])
    with Timer() as t:
        results = await ex.fetch_all(llm, PROMPTS[:9], 3)
    assert len(results) == 9, "fetch_all should return one completion per prompt."
    ideal = greedy_makespan(list(latency.values()), 3)
    assert t.elapsed <= 1.15 * ideal, (
        f"fetch_all took {t.elapsed:.2f} s; starting each prompt as soon as a slot is free takes "
        f"{ideal:.2f}. Waiting for a whole batch of `limit` calls wastes the slots of the fast ones.")
    assert llm.probe.peak <= 3, f"{llm.probe.peak} calls were in flight at once with limit=3."


async def test_errors_reach_the_caller(ex):
    """If a call fails, fetch_all raises that error."""
    llm = InstrumentedLLM(faults=FaultPlan(script=["ok", "ok", "error"]))
    with pytest.raises(ServerError):
        await ex.fetch_all(llm, PROMPTS[:6], 2)
