"""Tests for ex07_rate_limit: a concurrency limit, and 429 retries that do not hold a slot."""

from __future__ import annotations

import asyncio
import heapq

import pytest
from _helpers import FakeLLM, InstrumentedLLM, Probe, Timer, expect_raises

from course_utils.faults import FaultPlan, RateLimitError, ServerError
from course_utils.llm import Completion

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
    with expect_raises(ServerError, "the ServerError of the failed call to reach the caller"):
        await ex.fetch_all(llm, PROMPTS[:6], 2)


class Limited:
    """Answers in 1 s; the prompts in ``refusals`` first get that many 429s (after 0.1 s)."""

    def __init__(self, refusals: dict[str, int], retry_after: float = 3.0) -> None:
        self.refusals = dict(refusals)
        self.retry_after = retry_after
        self.probe = Probe()
        self.calls: dict[str, list[float]] = {}

    async def complete(self, prompt, **kwargs):
        self.calls.setdefault(prompt, []).append(asyncio.get_running_loop().time())
        async with self.probe.track(prompt):
            if self.refusals.get(prompt, 0) > 0:
                self.refusals[prompt] -= 1
                await asyncio.sleep(0.1)
                raise RateLimitError("429 Too Many Requests", retry_after=self.retry_after)
            await asyncio.sleep(1.0)
            return Completion(text=f"answer to {prompt}", model="limited", prompt_tokens=1,
                              completion_tokens=3, request_id=prompt, latency=1.0)


async def test_a_429_is_retried_after_retry_after(ex):
    """A prompt refused with a 429 is tried again, no sooner than retry_after seconds later."""
    prompts = [f"q{i}" for i in range(4)]
    llm = Limited({"q0": 1})
    try:
        results = await ex.fetch_all(llm, prompts, 2)
    except RateLimitError:
        raise AssertionError("fetch_all let the first 429 reach the caller; wait retry_after seconds "
                             "and try that prompt again (up to `attempts` calls).") from None
    assert [getattr(r, "text", None) for r in results] == [f"answer to {p}" for p in prompts], (
        "Every prompt should get its answer, in order; the refused one after its retry.")
    times = llm.calls.get("q0", [])
    assert len(times) == 2, f"The refused prompt was called {len(times)} time(s); expected 2 (one retry)."
    gap = times[1] - times[0]
    assert gap >= 0.1 + 3.0 - 1e-6, (
        f"The retry came {gap:.2f} s after the first call; the 429 arrived at 0.1 s and said "
        f"retry_after=3.0, so wait at least that long.")


async def test_no_slot_is_held_while_waiting_to_retry(ex):
    """While a refused prompt waits out retry_after, its slot serves the other prompts."""
    prompts = [f"q{i}" for i in range(7)]
    llm = Limited({"q0": 1})
    with Timer() as t:
        await ex.fetch_all(llm, prompts, 2)
    assert llm.probe.peak <= 2, f"{llm.probe.peak} calls were in flight at once with limit=2."
    # q0 is refused at 0.1 s and may retry at 3.1 s; meanwhile two slots serve q1..q6 (3 s), so
    # everything is done at 4.1 s. Sleeping inside the slot leaves one slot for six prompts: 6.0 s.
    assert t.elapsed <= 4.1 + 0.3, (
        f"fetch_all took {t.elapsed:.2f} s; about 4.1 s is possible. While the refused prompt "
        f"waited for retry_after it kept its slot, so the other prompts queued behind a sleeping "
        f"task. Give the slot back before sleeping: leave the `async with` block, sleep, then "
        f"take a slot again.")


async def test_gives_up_after_the_last_attempt(ex):
    """A prompt refused `attempts` times: the RateLimitError reaches the caller."""
    llm = Limited({"q0": 5}, retry_after=1.0)

    async def run():
        return await ex.fetch_all(llm, ["q0", "q1"], 2, attempts=3)

    with expect_raises(RateLimitError, "the RateLimitError after the third refusal (attempts=3)"):
        await run()
    assert len(llm.calls["q0"]) == 3, (
        f"With attempts=3 the refused prompt should be called exactly 3 times, not {len(llm.calls['q0'])}.")
