"""Tests for ex16_single_flight: concurrent identical calls share one call."""

from __future__ import annotations

import asyncio
import functools
import gc

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


SHIELD = ("Cancelling one waiter cancelled the shared call, so the other waiters got a CancelledError "
          "instead of the answer. Protect the shared call with asyncio.shield: a waiter that gives up "
          "stops waiting, the call goes on for the others.")


async def test_cancelled_waiter_does_not_cancel_the_call(ex):
    """Cancelling one waiter leaves the shared call running for the others."""
    llm = FakeLLM(latency=1.0)
    flight = ex.SingleFlight()
    first = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    second = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    await asyncio.sleep(0)
    first.cancel()
    try:
        answer = await second
    except asyncio.CancelledError:
        if asyncio.current_task().cancelling():  # the test itself is being stopped
            raise
        raise AssertionError(SHIELD) from None
    assert answer.text == "answer from fake", f"The remaining waiter should get the answer, got {answer!r}."
    assert llm.cancelled == 0, SHIELD
    await asyncio.wait([first])
    assert first.cancelled(), "The cancelled waiter itself should end cancelled."
    await assert_no_leftovers("SingleFlight.do")


async def test_cancelling_the_first_caller_keeps_the_flight(ex):
    """After the caller that started the call is cancelled, new callers still join the same call."""
    llm = FakeLLM(latency=2.0)
    flight = ex.SingleFlight()
    first = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    await asyncio.sleep(0.5)
    first.cancel()
    await asyncio.wait([first])
    late = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    try:
        answer = await late
    except asyncio.CancelledError:
        raise AssertionError(SHIELD) from None
    assert llm.calls == 1, (
        f"The first caller was cancelled while its call was in flight, and a caller arriving then made "
        f"call number {llm.calls}. The bookkeeping must follow the call, not the caller that started "
        f"it: forget the key when the call finishes (a done callback on the call's task), not in the "
        f"first caller's finally block.")
    assert answer.text == "answer from fake", f"The late caller should get the shared answer, got {answer!r}."
    await assert_no_leftovers("SingleFlight.do")


async def test_failure_after_the_first_caller_left_is_forgotten(ex):
    """The first caller is cancelled, then the call fails: the failure is not remembered for ever."""
    llm = FakeLLM(latency=0.5, errors=[ServerError("boom")], error_latency=2.0)
    flight = ex.SingleFlight()
    first = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    second = asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k")))
    await asyncio.sleep(0.5)
    first.cancel()
    results = await asyncio.gather(first, second, return_exceptions=True)
    assert isinstance(results[1], ServerError), (
        f"The remaining waiter should get the ServerError, got {results[1]!r}."
        + (" " + SHIELD if isinstance(results[1], asyncio.CancelledError) else ""))
    try:
        answer = await asyncio.wait_for(flight.do("k", functools.partial(llm.complete, "k")), 5.0)
    except ServerError:
        answer = None
    assert llm.calls == 2 and answer is not None, (
        "After the shared call failed, the next do() got the old failure instead of a new call: the "
        "key was never forgotten, because the cleanup ran in the first caller, which had been "
        "cancelled. Forget the key when the call itself finishes (a done callback), whoever waits.")


async def test_every_waiter_cancelled(ex):
    """All waiters give up: the call finishes on its own, its error is retrieved, the key is freed."""
    loop = asyncio.get_running_loop()
    complaints: list[str] = []
    loop.set_exception_handler(lambda lp, ctx: complaints.append(ctx.get("message", "")))
    try:
        llm = FakeLLM(latency=0.5, errors=[ServerError("boom")], error_latency=1.0)
        flight = ex.SingleFlight()
        waiters = [asyncio.create_task(flight.do("k", functools.partial(llm.complete, "k"))) for _ in range(3)]
        await asyncio.sleep(0.2)
        for waiter in waiters:
            waiter.cancel()
        await asyncio.wait(waiters)
        await asyncio.sleep(2.0)  # the shared call fails meanwhile, with nobody waiting
        gc.collect()
        await asyncio.sleep(0)
        answer = await asyncio.wait_for(flight.do("k", functools.partial(llm.complete, "k")), 5.0)
    finally:
        loop.set_exception_handler(None)
    assert all(w.cancelled() for w in waiters), "Every cancelled waiter should end cancelled."
    assert llm.calls == 2 and answer.text, "Once the abandoned call ended, the next do() should call fn again."
    assert not complaints, (f"asyncio complained: {complaints[0]} -- when nobody is left waiting, the "
                            f"shared call's error must still be retrieved (task.exception() in a done callback).")
    await assert_no_leftovers("SingleFlight.do")
