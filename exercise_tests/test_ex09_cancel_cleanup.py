"""Tests for ex09_cancel_cleanup: a step that lets cancellation through and always cleans up."""

from __future__ import annotations

import asyncio

from _helpers import FakeLLM, Timer, assert_no_leftovers, expect_raises

from course_utils.faults import ServerError

EXERCISE = "ex09_cancel_cleanup"


class FakeSession:
    """Counts opens and closes; ``close`` is an await that takes 0.2 s."""

    def __init__(self) -> None:
        self.opened = 0
        self.close_started = 0
        self.closed = 0
        self.lines: list[str] = []

    async def open(self) -> None:
        await asyncio.sleep(0.1)
        self.opened += 1

    async def close(self) -> None:
        self.close_started += 1
        await asyncio.sleep(0.2)
        self.closed += 1

    def log(self, line: str) -> None:
        self.lines.append(str(line))


class Broken:
    """A model whose client has a bug: it raises a plain ValueError."""

    async def complete(self, prompt, **kwargs):
        await asyncio.sleep(0.1)
        raise ValueError("bug in the client")


def closed_once(session: FakeSession, when: str) -> None:
    if session.close_started and not session.closed:
        raise AssertionError(
            f"{when}, session.close() was started but had not finished when run_step ended: await it "
            f"(in a finally block) instead of starting it in the background.")
    assert session.closed == 1, (
        f"{when}, session.close() ran {session.closed} time(s); it must run exactly once. Code that "
        f"must run whatever happens (answer, error, cancellation) belongs in a finally block.")


async def test_returns_the_answer_and_closes(ex):
    """A normal step returns the answer's text, logs nothing and closes the session once."""
    session, llm = FakeSession(), FakeLLM(text="Paris", latency=1.0)
    result = await ex.run_step(session, llm, "Capital of France?")
    assert result == "Paris", f"run_step should return the answer's .text ('Paris'), got {result!r}."
    assert session.opened == 1, "run_step should open the session (await session.open()) first."
    assert not session.lines, f"Nothing failed, yet run_step logged {session.lines!r}."
    closed_once(session, "After a normal answer")


async def test_llm_error_is_logged_and_returns_none(ex):
    """An LLMError is logged (one line naming it), run_step returns None, the session is closed."""
    session, llm = FakeSession(), FakeLLM(errors=[ServerError("model overloaded", status_code=503)])
    result = await ex.run_step(session, llm, "?")
    assert result is None, f"After an LLMError run_step should return None, got {result!r}."
    assert len(session.lines) == 1 and ("ServerError" in session.lines[0] or "overloaded" in session.lines[0]), (
        f"After an LLMError, log one line that names it with session.log(...); the log holds {session.lines!r}.")
    closed_once(session, "After an LLMError")


async def test_other_errors_reach_the_caller(ex):
    """An error that is not an LLMError (a bug) reaches the caller; the session is still closed."""
    session = FakeSession()
    result = None

    async def run():
        nonlocal result
        result = await ex.run_step(session, Broken(), "?")

    with expect_raises(ValueError, "the ValueError from a buggy client to reach the caller (it is a bug, "
                       "not a model failure: catch only LLMError)", returned=lambda: result):
        await run()
    closed_once(session, "After a ValueError")


async def test_timeout_reaches_the_caller_of_asyncio_timeout(ex):
    """Under `async with asyncio.timeout(1)`, a model that never answers ends in TimeoutError."""
    session, llm = FakeSession(), FakeLLM(hang=True)
    result = "nothing"
    with Timer() as t:
        try:
            async with asyncio.timeout(1.0):
                result = await ex.run_step(session, llm, "?")
        except TimeoutError:
            result = "timed out"
    assert result == "timed out", (
        f"The deadline passed, yet run_step returned {result!r} and the caller got no TimeoutError. "
        f"asyncio.timeout cancels the step and turns its CancelledError into TimeoutError; catching "
        f"BaseException (or CancelledError) without re-raising swallows that cancellation. Catch "
        f"only LLMError.")
    closed_once(session, "After the timeout")
    assert t.elapsed < 1.5, f"The step took {t.elapsed:.2f} s under a 1.0 s deadline."
    await assert_no_leftovers("run_step")


async def test_cancelled_task_ends_cancelled(ex):
    """task.cancel() during the model call: the task ends cancelled and the session is closed."""
    session, llm = FakeSession(), FakeLLM(latency=10.0)
    task = asyncio.create_task(ex.run_step(session, llm, "?"))
    await asyncio.sleep(0.5)
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        error = task.exception()
        how = f"raised {type(error).__name__}" if error else f"returned {task.result()!r}"
        raise AssertionError(
            f"After task.cancel() the task {how} instead of ending cancelled. A CancelledError "
            f"must propagate: do not catch it (it is a BaseException, not an Exception), or "
            f"re-raise it after cleaning up.")
    assert llm.cancelled == 1, "The model call should have been cancelled with the step."
    closed_once(session, "After task.cancel()")


async def test_cancellation_does_not_count_as_a_model_failure(ex):
    """A cancelled step logs no 'step failed' line: a cancellation is not an LLMError."""
    session, llm = FakeSession(), FakeLLM(latency=10.0)
    task = asyncio.create_task(ex.run_step(session, llm, "?"))
    await asyncio.sleep(0.5)
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled() and task.exception() is not None:
        raise task.exception()
    assert session.opened == 1 and llm.calls == 1, "run_step should open the session, then ask the model."
    assert not session.lines, (
        f"The step was cancelled, not failed, yet it logged {session.lines!r}: the handler for model "
        f"errors also caught the CancelledError. Catch only LLMError.")
