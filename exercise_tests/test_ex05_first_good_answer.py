"""Tests for ex05_first_good_answer: race several models, keep the first good answer."""

from __future__ import annotations

import asyncio

import pytest
from _helpers import FakeLLM, Timer, assert_no_leftovers

from course_utils.faults import RateLimitError, ServerError

EXERCISE = "ex05_first_good_answer"


async def test_returns_the_fastest_answer(ex):
    """With three healthy models, the fastest one's answer comes back, as soon as it is ready."""
    llms = [FakeLLM("slow", latency=3.0), FakeLLM("fast", latency=1.0), FakeLLM("medium", latency=2.0)]
    with Timer() as t:
        answer = await ex.first_good_answer(llms, "hi")
    assert getattr(answer, "text", None) == "answer from fast", (
        f"Expected the fastest model's completion, got {answer!r}.")
    assert abs(t.elapsed - 1.0) < 0.05, (f"It took {t.elapsed:.2f} s; the fastest model answers "
                                         f"in 1.0. Are the calls made one after the other?")


async def test_cancels_the_slower_calls(ex):
    """The calls still running when the winner arrives are cancelled, and none is left behind."""
    llms = [FakeLLM("fast", latency=1.0), FakeLLM("slow", latency=3.0), FakeLLM("slower", latency=5.0)]
    await ex.first_good_answer(llms, "hi")
    cancelled = [m.name for m in llms[1:] if m.cancelled]
    assert cancelled == ["slow", "slower"], (
        "The slower calls were not cancelled; they keep running (and costing) after you have your answer.")
    await assert_no_leftovers("first_good_answer")


async def test_skips_failed_calls(ex):
    """A call that raises does not count: the next good answer wins."""
    llms = [FakeLLM("flaky", latency=1.0, errors=[ServerError("boom")], error_latency=0.2),
            FakeLLM("steady", latency=2.0), FakeLLM("slow", latency=4.0)]
    with Timer() as t:
        answer = await ex.first_good_answer(llms, "hi")
    assert getattr(answer, "text", None) == "answer from steady", (
        f"The first call failed; the next good answer should win, got {answer!r}.")
    assert abs(t.elapsed - 2.0) < 0.05, f"It took {t.elapsed:.2f} s instead of 2.0."
    await assert_no_leftovers("first_good_answer")


async def test_skips_rejected_answers(ex):
    """An answer that is_good rejects does not count either."""
    llms = [FakeLLM("short", latency=0.5, text="no"), FakeLLM("long", latency=1.5, text="a full answer"),
            FakeLLM("slow", latency=3.0, text="another full answer")]
    answer = await ex.first_good_answer(llms, "hi", is_good=lambda c: len(c.text) > 5)
    assert getattr(answer, "text", None) == "a full answer", (
        f"The first answer was rejected by is_good; the next good one should win, got {answer!r}.")


async def test_all_fail(ex):
    """When every call fails, NoGoodAnswer is raised with the errors of the calls."""
    errors = [ServerError("a"), RateLimitError("b", retry_after=1.0), ServerError("c")]
    llms = [FakeLLM(f"m{i}", errors=[e], error_latency=0.1 * (i + 1)) for i, e in enumerate(errors)]
    with pytest.raises(ex.NoGoodAnswer) as info:
        await ex.first_good_answer(llms, "hi")
    got = getattr(info.value, "errors", None)
    assert isinstance(got, list) and sorted(map(id, got)) == sorted(map(id, errors)), (
        "NoGoodAnswer(errors) should carry the three exceptions the calls raised.")
    await assert_no_leftovers("first_good_answer")


async def test_cancelled_from_outside(ex):
    """If the caller gives up (a timeout), every call that was started is cancelled too."""
    llms = [FakeLLM("a", latency=5.0), FakeLLM("b", latency=6.0)]
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1.0):
            await ex.first_good_answer(llms, "hi")
    assert all(m.cancelled for m in llms), (
        "After the caller timed out, the model calls were still running. Cancel them in a "
        "`finally:` block.")
    await assert_no_leftovers("first_good_answer")
