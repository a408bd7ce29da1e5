"""Tests for ex10_retry: backoff with full jitter and retry_after, a timeout per attempt, a budget."""

from __future__ import annotations

import asyncio
import random

import pytest
from _helpers import FakeLLM, InstrumentedLLM, Timer, assert_no_leftovers, expect_raises

from course_utils.llm import Completion

from course_utils.faults import BadRequestError, FaultPlan, RateLimitError, ServerError, StreamInterrupted

EXERCISE = "ex10_retry"


def gaps(llm: FakeLLM) -> list[float]:
    """Course seconds each retry waited after the previous failure came back."""
    t = llm.call_times
    return [t[i + 1] - (t[i] + llm.error_latency) for i in range(len(t) - 1)]


async def test_succeeds_after_transient_errors(ex):
    """Two transient failures, then success: the answer comes back after three calls."""
    llm = InstrumentedLLM(faults=FaultPlan(script=["error", "overloaded", "ok"]))
    answer = await ex.complete_with_retry(llm, "hello")
    assert getattr(answer, "text", None), "complete_with_retry should return the completion."
    assert llm.usage.calls == 3, f"Expected 3 calls (2 failures, 1 success), the model saw {llm.usage.calls}."


@pytest.mark.parametrize("attempts", [3, 5])
async def test_gives_up_after_attempts(ex, attempts):
    """When every call fails, it makes exactly `attempts` calls and raises the last error."""
    errors = [ServerError(f"failure {i}") for i in range(10)]
    llm = FakeLLM(errors=list(errors))
    with expect_raises(ServerError, "the last ServerError once every attempt has failed") as info:
        await ex.complete_with_retry(llm, "hello", attempts=attempts, base_delay=0.1)
    assert llm.calls == attempts, f"With attempts={attempts}, the model should be called {attempts} times, not {llm.calls}."
    assert info.value is errors[attempts - 1], "Raise the last error once every attempt has failed."


async def test_does_not_retry_what_cannot_succeed(ex):
    """A BadRequestError (not retryable) or a non-LLM error is raised at once, with no retry."""
    llm = FakeLLM(errors=[BadRequestError("prompt too long"), None])
    with expect_raises(BadRequestError, "the BadRequestError to reach the caller at once"):
        await ex.complete_with_retry(llm, "hello")
    assert llm.calls == 1, "A bad request fails the same way every time: do not retry it."
    other = FakeLLM(errors=[ValueError("a bug in the caller"), None])
    with expect_raises(ValueError, "the ValueError (not an LLMError) to reach the caller at once"):
        await ex.complete_with_retry(other, "hello")
    assert other.calls == 1, "Only LLMError is worth retrying; other exceptions go to the caller."


async def test_honours_retry_after(ex):
    """After a 429, the next attempt waits at least retry_after (and not much longer)."""
    llm = FakeLLM(errors=[RateLimitError("slow down", retry_after=4.0), StreamInterrupted("cut", tokens_received=3)])
    await ex.complete_with_retry(llm, "hello", base_delay=0.1, max_delay=1.0)
    assert llm.calls == 3, f"Expected three calls (429, dropped stream, success), got {llm.calls}."
    first = gaps(llm)[0]
    assert first >= 4.0 - 1e-6, (f"After a 429 with retry_after=4.0 the retry came {first:.2f} s later. "
                                 f"Wait at least retry_after (and wait with await, not time.sleep).")
    assert first <= 4.0 + 1.0 + 1e-6, f"After retry_after=4.0 the retry waited {first:.2f} s: far too long."


async def test_backoff_grows_with_full_jitter(ex):
    """Waits stay under min(max_delay, base * 2**(k-1)), vary from run to run, and grow with k."""
    caps = [min(2.0, 0.25 * 2 ** k) for k in range(5)]
    runs = []
    for _ in range(24):
        llm = FakeLLM(errors=[ServerError("busy")] * 5)
        await ex.complete_with_retry(llm, "hello", attempts=6, base_delay=0.25, max_delay=2.0)
        runs.append(gaps(llm))
    for run in runs:
        assert len(run) == 5, f"Expected five retries before the success, got {len(run)}."
        for k, (g, cap) in enumerate(zip(run, caps), start=1):
            assert -1e-6 <= g <= cap + 1e-6, (
                f"Retry {k} waited {g:.2f} s; with base_delay=0.25 and max_delay=2.0 it may wait "
                f"between 0 and {cap:g}.")
    firsts = {round(r[0], 6) for r in runs}
    assert len(firsts) > 3, ("Every run waited the same before its first retry. Add random jitter so "
                             "that many clients do not retry in lockstep.")
    mean = [sum(r[k] for r in runs) / len(runs) for k in range(5)]
    assert mean[3] > 2.5 * mean[0], ("The waits do not grow from one retry to the next: back off "
                                      "exponentially (base_delay * 2 ** (k - 1)).")


class HangsFirst:
    """The first ``hangs`` calls never answer; later calls answer after 0.5 s."""

    def __init__(self, hangs: int = 1) -> None:
        self.hangs = hangs
        self.calls = 0
        self.cancelled = 0

    async def complete(self, prompt, **kwargs):
        self.calls += 1
        try:
            if self.calls <= self.hangs:
                await asyncio.Event().wait()
            await asyncio.sleep(0.5)
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        return Completion(text="finally", model="hangs", prompt_tokens=1, completion_tokens=1,
                          request_id=str(self.calls), latency=0.5)


async def test_attempt_timeout_retries_a_stuck_call(ex):
    """A call that never answers is cancelled after attempt_timeout and retried."""
    llm = HangsFirst()
    with Timer() as t:
        try:
            answer = await ex.complete_with_retry(llm, "hello", base_delay=0.1, attempt_timeout=2.0, budget=30.0)
        except TimeoutError:
            raise AssertionError(
                "The first call ran out of its attempt_timeout and the TimeoutError reached the caller; "
                "a timed-out attempt is a failure worth retrying.") from None
    assert getattr(answer, "text", None) == "finally", f"Expected the second call's answer, got {answer!r}."
    assert llm.calls == 2 and llm.cancelled == 1, (
        f"Expected the stuck call to be cancelled after 2.0 s and one retry; the model saw {llm.calls} "
        f"call(s), {llm.cancelled} cancelled.")
    assert 2.5 - 1e-6 <= t.elapsed <= 2.5 + 0.1 + 1e-6, (
        f"It took {t.elapsed:.2f} s; 2.0 s for the stuck attempt, a short backoff and 0.5 s for the "
        f"answer make about 2.5 s. Put asyncio.timeout(attempt_timeout) around each call.")


async def test_budget_covers_attempts_and_waits(ex):
    """With failures and long backoffs, TimeoutError comes exactly when the budget is spent."""
    random.seed(7)
    llm = FakeLLM(errors=[ServerError("busy")] * 20, error_latency=0.1)
    outcome = "returned"
    with Timer() as t:
        try:
            await ex.complete_with_retry(llm, "hello", attempts=20, base_delay=1.0, max_delay=8.0, budget=5.0)
        except TimeoutError:
            outcome = "TimeoutError"
        except ServerError:
            outcome = "the last ServerError"
    assert outcome == "TimeoutError" and abs(t.elapsed - 5.0) < 0.05, (
        f"With budget=5.0 the caller should get TimeoutError after 5.0 s; it got {outcome} after "
        f"{t.elapsed:.2f} s. Put one asyncio.timeout(budget) around the whole retry loop (calls and "
        f"waits), and let the CancelledError it causes through: it is not a failure to retry.")
    await assert_no_leftovers("complete_with_retry")


async def test_budget_cancels_the_running_attempt(ex):
    """A call still running when the budget ends is cancelled, and the caller gets TimeoutError."""
    llm = FakeLLM(hang=True)
    outcome = "returned"
    with Timer() as t:
        try:
            await ex.complete_with_retry(llm, "hello", budget=3.0)
        except TimeoutError:
            outcome = "TimeoutError"
    assert outcome == "TimeoutError" and abs(t.elapsed - 3.0) < 0.05, (
        f"The budget was 3.0 s; the caller got {outcome} after {t.elapsed:.2f} s.")
    assert llm.cancelled == 1 and llm.calls == 1, (
        f"The running call should be cancelled when the budget ends, with no retry after it (calls: "
        f"{llm.calls}, cancelled: {llm.cancelled}). A CancelledError caught as a failure was retried.")


async def test_a_cancelled_caller_is_not_retried(ex):
    """task.cancel() stops complete_with_retry at once: the task ends cancelled, nothing is retried."""
    llm = FakeLLM(latency=10.0)
    task = asyncio.create_task(ex.complete_with_retry(llm, "hello", base_delay=0.1))
    await asyncio.sleep(1.0)
    task.cancel()
    await asyncio.wait([task], timeout=30)
    ended = ("still running" if not task.done() else "cancelled" if task.cancelled()
             else f"with {type(task.exception()).__name__}" if task.exception() else "with an answer")
    if not task.done():
        task.cancel()
    assert ended == "cancelled" and llm.calls == 1, (
        f"After task.cancel() the task ended {ended} and the model was called {llm.calls} time(s). "
        f"A CancelledError was caught and retried (an `except BaseException`, or a bare except?). "
        f"Catch only LLMError and TimeoutError; a cancellation must go to the caller.")
