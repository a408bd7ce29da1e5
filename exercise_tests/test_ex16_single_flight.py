"""Tests for ex16_single_flight: concurrent identical calls share one call."""

from __future__ import annotations

import asyncio
import functools

import pytest
from _helpers import FakeLLM, Timer, assert_no_leftovers

from course_utils.faults import ServerError

EXERCISE = "ex16_single_flight"


async def test_concurrent_calls_share_one(ex):
    """Ten concurrent callers of one key: one call, one shared result."""
    llm = FakeLLM(latency=1.0)
    flight = ex.SingleFlight()
    with Timer() as t:
        results = await asyncio.gather(*(flight.do("faq", functools.partial(llm.complete, "faq"))
                                         for _ in range(10)))
    assert llm.calls == 1, f"fn was called {llm.calls} times for ten concurrent callers of one key; expected 1."
    assert all(r is results[0] for r in results), "Every caller should get the very same result object."
    assert t.elapsed <= 1.05, f"It took {t.elapsed:.2f} s; one call takes 1.0."
    await assert_no_leftovers("SingleFlight.do")


async def test_different_keys_run_concurrently(ex):
    """Different keys are different calls, running at the same time."""
    llm = FakeLLM(latency=1.0)
    flight = ex.SingleFlight()
    with Timer() as t:
        await asyncio.gather(*(flight.do(k, functools.partial(llm.complete, k)) for k in "abc"))
    assert llm.calls == 3, f"Three keys should make three calls, made {llm.calls}."
    assert t.elapsed <= 1.05, f"Three calls for three keys took {t.elapsed:.2f} s instead of 1.0."


async def test_no_caching_after_the_call(ex):
    """Once a call has finished, the next caller starts a new one."""
    llm = FakeLLM(latency=0.5)
    flight = ex.SingleFlight()
    await flight.do("k", functools.partial(llm.complete, "k"))
    await flight.do("k", functools.partial(llm.complete, "k"))
    assert llm.calls == 2, (f"Two calls one after the other made {llm.calls} call(s); single flight "
                            f"merges only calls in flight, it does not cache.")


async def test_failure_reaches_every_waiter_and_is_forgotten(ex):
    """A failed call raises in every waiter; the next call tries again."""
    llm = FakeLLM(latency=0.5, errors=[ServerError("boom")], error_latency=0.5)
    flight = ex.SingleFlight()
    results = await asyncio.gather(*(flight.do("k", functools.partial(llm.complete, "k")) for _ in range(4)),
                                   return_exceptions=True)
    assert all(isinstance(r, ServerError) for r in results), f"Every waiter should get the ServerError, got {results!r}."
    assert llm.calls == 1, f"The failing call should have been made once, not {llm.calls} times."
    answer = await flight.do("k", functools.partial(llm.complete, "k"))
    assert llm.calls == 2 and answer.text, "After a failure, the next call must call fn again (failures are not cached)."


async def test_cancelled_waiter_does_not_cancel_the_call(ex):
    """Cancelling one waiter leaves the shared call running for the others."""
    llm = FakeLLM(latency=1.0)
    flight = ex.SingleFlight()
    first = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    second = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    await asyncio.sleep(0)
    first.cancel()
    answer = await second
    assert answer.text == "answer from fake", f"The remaining waiter should get the answer, got {answer!r}."
    assert llm.cancelled == 0, "Cancelling one waiter cancelled the shared call: protect it with asyncio.shield."
    with pytest.raises(asyncio.CancelledError):
        await first
    await assert_no_leftovers("SingleFlight.do")
