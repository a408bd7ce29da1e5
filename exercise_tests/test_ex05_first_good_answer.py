"""Tests for ex05_first_good_answer: race several models, keep the first good answer."""

from __future__ import annotations

import asyncio

from _helpers import FakeLLM, Timer, assert_no_leftovers, expect_raises

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
    with expect_raises(ex.NoGoodAnswer, "NoGoodAnswer when every call failed") as info:
        await ex.first_good_answer(llms, "hi")
    got = getattr(info.value, "errors", None)
    assert isinstance(got, list) and sorted(map(id, got)) == sorted(map(id, errors)), (
        "NoGoodAnswer(errors) should carry the three exceptions the calls raised.")
    await assert_no_leftovers("first_good_answer")


async def test_cancelled_from_outside(ex):
    """If the caller gives up (a timeout), every call that was started is cancelled, and the
    caller gets its TimeoutError."""
    llms = [FakeLLM("a", latency=5.0), FakeLLM("b", latency=6.0)]
    outcome = "returned"
    with Timer() as t:
        try:
            async with asyncio.timeout(1.0):
                answer = await ex.first_good_answer(llms, "hi")
            outcome = f"returned {getattr(answer, 'text', answer)!r}"
        except TimeoutError:
            outcome = "timed out"
        except ex.NoGoodAnswer as error:
            outcome = f"raised NoGoodAnswer (errors: {[type(e).__name__ for e in error.errors]})"
    assert outcome == "timed out", (
        f"The caller's 1.0 s timeout cancelled first_good_answer, but it {outcome} after {t.elapsed:.2f} s "
        f"and the caller got no TimeoutError: a CancelledError was caught and not re-raised (an "
        f"`except BaseException` treats the caller's cancellation as a failed call). Catch Exception, "
        f"or re-raise CancelledError.")
    assert all(m.cancelled for m in llms), (
        "After the caller timed out, the model calls were still running. Cancel them in a "
        "`finally:` block.")
    await assert_no_leftovers("first_good_answer")


async def test_hedges_after_stagger(ex):
    """With stagger=2, the second model is asked at 2 s; its answer at 3 s wins; the third is never asked."""
    llms = [FakeLLM("stuck", latency=10.0), FakeLLM("backup", latency=1.0), FakeLLM("third", latency=0.1)]
    with Timer() as t:
        answer = await ex.first_good_answer(llms, "hi", stagger=2.0)
    starts = [m.call_times[0] - t.start if m.calls else None for m in llms]
    assert starts[0] is not None and abs(starts[0]) < 1e-6, "The first model should be asked at once."
    assert starts[1] is not None and abs(starts[1] - 2.0) < 0.01, (
        f"The second model should be asked when stagger=2.0 s have passed without an answer; it was "
        f"asked at {starts[1]}. Wait for the first call with a timeout of `stagger` seconds.")
    assert getattr(answer, "text", None) == "answer from backup" and abs(t.elapsed - 3.0) < 0.05, (
        f"Expected the backup's answer at 3.0 s, got {getattr(answer, 'text', answer)!r} at {t.elapsed:.2f} s.")
    assert llms[2].calls == 0, ("The third model was called although the backup answered before its "
                                "turn (at 4.0 s): hedging starts a model only when it is needed.")
    assert llms[0].cancelled == 1, "The first (stuck) call should be cancelled once the backup answered."
    await assert_no_leftovers("first_good_answer")


async def test_no_hedge_when_the_first_answers_in_time(ex):
    """If the first model answers within stagger, no other model is called at all."""
    llms = [FakeLLM("quick", latency=1.0), FakeLLM("backup", latency=1.0)]
    answer = await ex.first_good_answer(llms, "hi", stagger=2.0)
    assert getattr(answer, "text", None) == "answer from quick", f"Expected the first model's answer, got {answer!r}."
    assert llms[1].calls == 0, ("The backup model was called although the first answered within the "
                                "stagger: start the next model only after `stagger` seconds without a good "
                                "answer (or after a failure).")


async def test_a_failure_starts_the_next_at_once(ex):
    """A failed (or rejected) call starts the next model immediately, not after the stagger."""
    llms = [FakeLLM("flaky", errors=[ServerError("boom")], error_latency=0.5), FakeLLM("steady", latency=1.0)]
    with Timer() as t:
        answer = await ex.first_good_answer(llms, "hi", stagger=10.0)
    assert getattr(answer, "text", None) == "answer from steady", f"Expected the second model's answer, got {answer!r}."
    assert abs(t.elapsed - 1.5) < 0.05, (
        f"The first call failed at 0.5 s; the second should start then and answer at 1.5 s, but the "
        f"answer came at {t.elapsed:.2f} s. A failure should start the next model at once.")
