"""Tests for ex23_handoff: a bounded, structured hand-off between two agents."""

from __future__ import annotations

import asyncio

from _helpers import Timer, assert_no_leftovers

EXERCISE = "ex23_handoff"


class Agents:
    """Two fake agents that record what they did and when (loop seconds)."""

    def __init__(self, first_seconds=1.0, second_seconds=1.0, first_fails_at=None, second_fails_at=None):
        self.first_seconds, self.second_seconds = first_seconds, second_seconds
        self.first_fails_at, self.second_fails_at = first_fails_at, second_fails_at
        self.first_started: list[str] = []
        self.second_done: list[str] = []
        self.lead = 0
        self.first_cancelled = self.second_cancelled = False

    async def first(self, text):
        self.first_started.append(text)
        self.lead = max(self.lead, len(self.first_started) - len(self.second_done))
        try:
            await asyncio.sleep(self.first_seconds)
        except asyncio.CancelledError:
            self.first_cancelled = True
            raise
        if text == self.first_fails_at:
            raise ValueError(f"first agent failed on {text}")
        return f"summary of {text}"

    async def second(self, answer):
        try:
            await asyncio.sleep(self.second_seconds)
        except asyncio.CancelledError:
            self.second_cancelled = True
            raise
        if answer == f"summary of {self.second_fails_at}":
            raise ValueError(f"second agent failed on {answer}")
        self.second_done.append(answer)
        return f"analysis of {answer}"


TEXTS = [f"t{i}" for i in range(4)]


def holds(error: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(error, BaseExceptionGroup):
        return error.subgroup(kind) is not None
    return isinstance(error, kind)


async def test_results_in_order_and_agents_overlap(ex):
    """Four texts, 1 s per agent per text: overlapping, it takes about 5 s instead of 8."""
    agents = Agents()
    with Timer() as t:
        results = await ex.handoff(TEXTS, agents.first, agents.second)
    assert results == [f"analysis of summary of {x}" for x in TEXTS], (
        f"Expected second(first(text)) for every text, in order; got {results!r}.")
    assert t.elapsed < 5.5, (
        f"handoff took {t.elapsed:.1f} s; the two agents should work at the same time on different "
        f"texts (about 5 s here), not one after the other (8 s). Run the consumer concurrently with "
        f"the first agent.")
    await assert_no_leftovers("handoff")


async def test_bounded_queue_gives_backpressure(ex):
    """A fast first agent cannot race more than maxsize + 2 answers ahead of a slow second one."""
    agents = Agents(first_seconds=0.1, second_seconds=1.0)
    texts = [f"t{i}" for i in range(10)]
    await ex.handoff(texts, agents.first, agents.second, maxsize=1)
    assert agents.lead <= 3, (
        f"The first agent ran {agents.lead} texts ahead of the second with maxsize=1: the queue must "
        f"be bounded, asyncio.Queue(maxsize=maxsize), so that put() waits while the second agent is behind.")
    await assert_no_leftovers("handoff")


async def test_error_in_second_stops_first(ex):
    """When the second agent fails, the first is cancelled at once and the error reaches the caller."""
    agents = Agents(first_seconds=1.0, second_seconds=0.5, second_fails_at="t0")
    with Timer() as t:
        try:
            await ex.handoff(TEXTS, agents.first, agents.second)
        except BaseException as error:  # noqa: BLE001 - we judge what arrived
            raised = error
        else:
            raise AssertionError("The second agent raised ValueError, but handoff returned normally: "
                                 "its error must reach the caller, not be swallowed.")
    assert holds(raised, ValueError), f"Expected the second agent's ValueError to reach the caller, got {raised!r}."
    assert agents.first_cancelled and t.elapsed < 2.0, (
        "When the second agent failed (at 1.5 s), the first agent was not cancelled: when one agent "
        "fails, cancel the other (a TaskGroup does it for you).")
    await assert_no_leftovers("handoff")


async def test_error_in_first_stops_second(ex):
    """When the first agent fails, the second stops too and the error reaches the caller."""
    agents = Agents(first_seconds=0.5, second_seconds=3.0, first_fails_at="t1")
    with Timer() as t:
        try:
            await ex.handoff(TEXTS, agents.first, agents.second)
        except BaseException as error:  # noqa: BLE001
            raised = error
        else:
            raise AssertionError("The first agent raised ValueError, but handoff returned normally.")
    assert holds(raised, ValueError), f"Expected the first agent's ValueError to reach the caller, got {raised!r}."
    assert t.elapsed < 1.5, (
        f"The first agent failed at 1.0 s, but handoff only returned at {t.elapsed:.1f} s: the second "
        f"agent should be cancelled, not left to finish (or to wait for answers that never come).")
    await assert_no_leftovers("handoff")
