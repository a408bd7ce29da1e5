"""Tests for ex10_fallback: a time budget for the main model and a fallback model."""

from __future__ import annotations

import asyncio

from _helpers import FakeLLM, Timer, assert_no_leftovers, expect_raises

from course_utils.faults import ServerError

EXERCISE = "ex10_fallback"


async def test_primary_in_time(ex):
    """A primary that answers within the timeout wins; the secondary is never called."""
    primary, secondary = FakeLLM("primary", latency=1.5), FakeLLM("secondary", latency=0.5)
    answer = await ex.answer_with_fallback(primary, secondary, "hi", timeout=2.0)
    assert getattr(answer, "text", None) == "answer from primary", f"Expected the primary's answer, got {answer!r}."
    assert secondary.calls == 0, "The secondary was called although the primary answered in time."


async def test_slow_primary_falls_back(ex):
    """A primary slower than the timeout is cancelled at the deadline and the secondary answers."""
    primary, secondary = FakeLLM("primary", hang=True), FakeLLM("secondary", latency=0.5)
    with Timer() as t:
        answer = await ex.answer_with_fallback(primary, secondary, "hi", timeout=2.0)
    assert getattr(answer, "text", None) == "answer from secondary", f"Expected the secondary's answer, got {answer!r}."
    assert abs(t.elapsed - 2.5) < 0.05, (
        f"It took {t.elapsed:.2f} s; giving up on the primary after 2.0 and asking the secondary "
        f"(0.5) takes 2.5. Put the timeout around the primary's call.")
    assert primary.cancelled == 1, "The timed-out primary call was not cancelled."
    await assert_no_leftovers("answer_with_fallback")


async def test_failing_primary_falls_back_at_once(ex):
    """A primary that fails quickly hands over straight away, without waiting for the timeout."""
    primary = FakeLLM("primary", errors=[ServerError("overloaded")], error_latency=0.2)
    secondary = FakeLLM("secondary", latency=0.5)
    with Timer() as t:
        answer = await ex.answer_with_fallback(primary, secondary, "hi", timeout=2.0)
    assert getattr(answer, "text", None) == "answer from secondary", f"Expected the secondary's answer, got {answer!r}."
    assert t.elapsed < 0.75, f"It took {t.elapsed:.2f} s; after the primary's error the secondary should start at once."


async def test_both_fail(ex):
    """If the secondary fails too, its error reaches the caller."""
    primary = FakeLLM("primary", errors=[ServerError("primary down")])
    secondary = FakeLLM("secondary", errors=[ServerError("secondary down")])
    with expect_raises(ServerError, "the secondary's ServerError to reach the caller") as info:
        await ex.answer_with_fallback(primary, secondary, "hi", timeout=2.0)
    assert "secondary down" in str(info.value), (
        f"The caller should get the secondary's error, got {info.value!r}.")


async def test_both_too_slow(ex):
    """If both models hang, TimeoutError is raised after two timeouts, and nothing keeps running."""
    primary, secondary = FakeLLM("primary", hang=True), FakeLLM("secondary", hang=True)
    with Timer() as t:
        with expect_raises(TimeoutError, "TimeoutError when both models are too slow"):
            await ex.answer_with_fallback(primary, secondary, "hi", timeout=1.0)
    assert abs(t.elapsed - 2.0) < 0.05, f"It took {t.elapsed:.2f} s; each model gets 1.0."
    assert primary.cancelled == 1 and secondary.cancelled == 1, "Timed-out calls must be cancelled."
    await assert_no_leftovers("answer_with_fallback")


async def test_a_bug_is_not_an_outage(ex):
    """A primary failing with a non-LLM error (a bug) raises it; the secondary is not called."""
    primary = FakeLLM("primary", errors=[KeyError("missing 'messages' field")])
    secondary = FakeLLM("secondary", latency=0.5)
    try:
        answer = await ex.answer_with_fallback(primary, secondary, "hi", timeout=2.0)
    except KeyError:
        answer = None
    assert secondary.calls == 0, (
        f"The primary failed with a KeyError -- a bug in the request, not an outage -- and the "
        f"secondary was asked instead ({getattr(answer, 'text', answer)!r}). A fallback that catches "
        f"every Exception hides bugs: catch only LLMError and TimeoutError.")


async def test_a_cancelled_caller_gets_no_fallback(ex):
    """Cancelling answer_with_fallback while the primary runs: the task ends cancelled, no fallback."""
    primary, secondary = FakeLLM("primary", latency=5.0), FakeLLM("secondary", latency=0.5)
    task = asyncio.create_task(ex.answer_with_fallback(primary, secondary, "hi", timeout=10.0))
    await asyncio.sleep(1.0)
    task.cancel()
    await asyncio.wait([task])
    ended = "cancelled" if task.cancelled() else (
        f"with {type(task.exception()).__name__}" if task.exception() else "with an answer")
    assert ended == "cancelled" and secondary.calls == 0, (
        f"After task.cancel() the task ended {ended} and the secondary was called {secondary.calls} "
        f"time(s). The caller's CancelledError was treated as a failure of the primary (an `except "
        f"BaseException`?): catch only LLMError and TimeoutError, and let a cancellation through.")
