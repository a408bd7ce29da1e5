"""Lesson 17 (Testing async code) · Write the check that catches the bug.

A test is worth exactly the bugs it catches. ``Agent`` below is the lesson's agent, and it is
correct. Your check will also be handed agents that look the same but hide one bug each.

Your task
---------
Write ``async def check_agent(make_agent)``. ``make_agent(llm, sleep)`` builds an agent like
``Agent``: ``await agent.ask(question)`` calls ``await llm.complete(prompt)`` and returns the
reply's ``.text``; after a retryable ``LLMError`` it waits ``await sleep(delay)`` with delays
4, 8, 16, 32 and tries again, 5 attempts in all; a ``BadRequestError`` is raised at once.

Your check must **return normally** for a correct agent, and **raise** (an ``AssertionError``,
or let the agent's error escape) for each of these bugs:

* the delay is the same every time (no exponential backoff);
* ``sleep`` is called but never awaited;
* it gives up after 4 attempts instead of 5;
* it retries a ``BadRequestError``;
* it returns the reply object instead of ``reply.text``.

Use fakes, as in the lesson: ``unittest.mock.AsyncMock`` for the model (``side_effect`` takes a
list of replies and exceptions) and for ``sleep``; ``SimpleNamespace(text=...)`` is a reply.
The check must not really wait: a fake ``sleep`` returns at once.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, Awaitable, Callable
from unittest.mock import AsyncMock, call

from course_utils.faults import BadRequestError, LLMError, ServerError


class Agent:
    """The lesson's agent (correct): one LLM call, retried with exponential backoff."""

    def __init__(self, llm: Any, *, attempts: int = 5, base_delay: float = 4.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.llm, self.attempts, self.base_delay, self.sleep = llm, attempts, base_delay, sleep

    async def ask(self, question: str) -> str:
        for attempt in range(1, self.attempts + 1):
            try:
                reply = await self.llm.complete(f"Answer in one sentence: {question}")
                return reply.text
            except LLMError as error:
                if attempt == self.attempts or not error.retryable:
                    raise
                await self.sleep(self.base_delay * 2 ** (attempt - 1))
        raise AssertionError("unreachable")


def make_correct_agent(llm: Any, sleep: Callable[[float], Awaitable[None]]) -> Agent:
    """Try your check on this first: it must pass."""
    return Agent(llm, sleep=sleep)


async def check_agent(make_agent: Callable[[Any, Any], Any]) -> None:
    """Return if the agent made by ``make_agent(llm, sleep)`` behaves; raise if it does not."""
    # BEGIN SOLUTION
    # 1. Four transient failures, then an answer: five calls, four growing waits, the text.
    llm, sleep = AsyncMock(), AsyncMock()
    llm.complete.side_effect = [ServerError("busy")] * 4 + [SimpleNamespace(text="ok")]
    answer = await make_agent(llm, sleep).ask("What is an event loop?")
    assert answer == "ok", f"expected the reply's text 'ok', got {answer!r}"
    assert llm.complete.await_count == 5, f"expected 5 awaited calls, got {llm.complete.await_count}"
    assert sleep.await_args_list == [call(4), call(8), call(16), call(32)], \
        f"expected awaited waits 4, 8, 16, 32; got {sleep.await_args_list}"

    # 2. A bad request: raised at once, no retry, no wait.
    llm, sleep = AsyncMock(), AsyncMock()
    llm.complete.side_effect = [BadRequestError("prompt too long"), SimpleNamespace(text="no")]
    try:
        await make_agent(llm, sleep).ask("?")
    except BadRequestError:
        pass
    else:
        raise AssertionError("a BadRequestError should reach the caller")
    assert llm.complete.await_count == 1, "a bad request must not be retried"
    assert sleep.await_count == 0, "no waiting after a bad request"
    # END SOLUTION
