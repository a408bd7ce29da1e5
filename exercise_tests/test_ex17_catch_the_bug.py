"""Tests for ex17_catch_the_bug: the learner's check must pass the good agent and fail buggy ones."""

from __future__ import annotations

import asyncio
import inspect
import traceback
import warnings

import pytest
from _helpers import Timer

from course_utils.faults import LLMError

EXERCISE = "ex17_catch_the_bug"


def make_factory(ask):
    """An agent factory whose agents use ``ask`` (a buggy or correct variant), named like the real one."""

    class Agent:
        def __init__(self, llm, sleep, attempts=5, base_delay=4.0):
            self.llm, self.sleep, self.attempts, self.base_delay = llm, sleep, attempts, base_delay

    Agent.ask = ask
    return lambda llm, sleep: Agent(llm, sleep)


async def correct(self, question):
    for attempt in range(1, self.attempts + 1):
        try:
            return (await self.llm.complete(f"Answer in one sentence: {question}")).text
        except LLMError as error:
            if attempt == self.attempts or not error.retryable:
                raise
            await self.sleep(self.base_delay * 2 ** (attempt - 1))


async def constant_delay(self, question):
    for attempt in range(1, self.attempts + 1):
        try:
            return (await self.llm.complete(f"Answer in one sentence: {question}")).text
        except LLMError as error:
            if attempt == self.attempts or not error.retryable:
                raise
            await self.sleep(self.base_delay)  # bug: no backoff


async def unawaited_sleep(self, question):
    for attempt in range(1, self.attempts + 1):
        try:
            return (await self.llm.complete(f"Answer in one sentence: {question}")).text
        except LLMError as error:
            if attempt == self.attempts or not error.retryable:
                raise
            self.sleep(self.base_delay * 2 ** (attempt - 1))  # bug: never awaited


async def too_few_attempts(self, question):
    for attempt in range(1, self.attempts):  # bug: 4 attempts
        try:
            return (await self.llm.complete(f"Answer in one sentence: {question}")).text
        except LLMError as error:
            if attempt == self.attempts - 1 or not error.retryable:
                raise
            await self.sleep(self.base_delay * 2 ** (attempt - 1))


async def retries_bad_requests(self, question):
    for attempt in range(1, self.attempts + 1):
        try:
            return (await self.llm.complete(f"Answer in one sentence: {question}")).text
        except LLMError:
            if attempt == self.attempts:  # bug: ignores error.retryable
                raise
            await self.sleep(self.base_delay * 2 ** (attempt - 1))


async def returns_the_reply(self, question):
    for attempt in range(1, self.attempts + 1):
        try:
            return await self.llm.complete(f"Answer in one sentence: {question}")  # bug: not .text
        except LLMError as error:
            if attempt == self.attempts or not error.retryable:
                raise
            await self.sleep(self.base_delay * 2 ** (attempt - 1))


BUGS = {
    "the delay never grows (no exponential backoff)": constant_delay,
    "sleep is called but never awaited": unawaited_sleep,
    "it gives up after 4 attempts instead of 5": too_few_attempts,
    "it retries a BadRequestError": retries_bad_requests,
    "it returns the reply object instead of reply.text": returns_the_reply,
}


async def test_a_correct_agent_passes(ex):
    """The check returns normally for the correct agent (both the module's and an equivalent one)."""
    assert inspect.iscoroutinefunction(ex.check_agent), "Define it as `async def check_agent(make_agent):`."
    await ex.check_agent(ex.make_correct_agent)
    await ex.check_agent(make_factory(correct))


async def test_it_does_not_really_wait(ex):
    """A fake sleep: checking a correct agent takes no (virtual) time at all."""
    with Timer() as t:
        await ex.check_agent(make_factory(correct))
    assert t.elapsed < 1.0, (f"Your check waited {t.elapsed:.1f} seconds: the agent slept for real. "
                             f"Pass a fake sleep (an AsyncMock) to make_agent.")


def _what(error: BaseException) -> str:
    """What the learner's check raised, in words (their own assert, or another error)."""
    line = ""
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.endswith(f"{EXERCISE}.py"):
            line = f" at line {frame.lineno} of your file"
    if isinstance(error, AssertionError):
        text = str(error).strip()
        return f"one of your asserts failed{line}{': ' + text if text else ''}"
    return f"it raised {type(error).__name__}{line}: {error}"


@pytest.mark.parametrize("bug", list(BUGS))
async def test_it_catches_the_bug(ex, bug):
    """Each buggy agent makes the check raise (and the correct agent still passes it)."""
    try:
        await ex.check_agent(make_factory(correct))
    except NotImplementedError:
        raise
    except Exception as error:
        pytest.fail(f"Your check rejects a correct agent ({_what(error)}); a check that fails "
                    f"everything catches nothing. Make it pass the correct agent first.")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # the unawaited sleep warns; that is the bug
        try:
            await ex.check_agent(make_factory(BUGS[bug]))
        except asyncio.CancelledError:
            raise
        except BaseException:
            return
    pytest.fail(f"Your check passed an agent with a bug: {bug}. Which assertion would notice it?")
