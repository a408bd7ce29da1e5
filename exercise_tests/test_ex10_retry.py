"""Tests for ex10_retry: exponential backoff with full jitter, honouring retry_after."""

from __future__ import annotations

import pytest
from _helpers import FakeLLM, InstrumentedLLM

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
    with pytest.raises(ServerError) as info:
        await ex.complete_with_retry(llm, "hello", attempts=attempts, base_delay=0.1)
    assert llm.calls == attempts, f"With attempts={attempts}, the model should be called {attempts} times, not {llm.calls}."
    assert info.value is errors[attempts - 1], "Raise the last error once every attempt has failed."


async def test_does_not_retry_what_cannot_succeed(ex):
    """A BadRequestError (not retryable) or a non-LLM error is raised at once, with no retry."""
    llm = FakeLLM(errors=[BadRequestError("prompt too long"), None])
    with pytest.raises(BadRequestError):
        await ex.complete_with_retry(llm, "hello")
    assert llm.calls == 1, "A bad request fails the same way every time: do not retry it."
    other = FakeLLM(errors=[ValueError("a bug in the caller"), None])
    with pytest.raises(ValueError):
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
