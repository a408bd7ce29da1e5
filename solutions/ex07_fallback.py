"""Lesson 07 · A timeout on the main model, and a fallback model.

A call without a timeout can hang forever (a stuck connection looks exactly like a slow
answer). An agent with a deadline should give the main model a time budget and, if it fails or
runs out of time, ask a second model instead.

Your task
---------
Write ``answer_with_fallback(primary, secondary, prompt, timeout=2.0)``:

1. Ask ``primary.complete(prompt)`` with a time limit of ``timeout`` **course seconds**
   (convert with ``clock.to_real``). If it answers in time, return its answer; the secondary
   is never called.
2. If the primary raises an ``LLMError`` or runs out of time, ask ``secondary.complete(prompt)``
   with the same time limit, and return its answer.
3. If the secondary fails too, its error (an ``LLMError``, or ``TimeoutError``) reaches the caller.
4. A timed-out call must really be stopped (cancelled), not left running in the background.
"""

from __future__ import annotations

import asyncio

from course_utils import clock
from course_utils.faults import LLMError
from course_utils.llm import Completion

HINTS = [
    "Python 3.11 has `async with asyncio.timeout(seconds):` -- it cancels the awaited call when "
    "time is up and raises TimeoutError. asyncio.wait_for(coro, seconds) does the same.",
    "Wrap the primary call in the timeout inside a try block, and catch both TimeoutError and "
    "LLMError; in the except branch, call the secondary with its own timeout. Remember the "
    "timeout is in course seconds: clock.to_real(timeout).",
    "try: return await asyncio.wait_for(primary.complete(prompt), clock.to_real(timeout)) "
    "except (TimeoutError, LLMError): return await asyncio.wait_for(secondary.complete(prompt), "
    "clock.to_real(timeout))",
]


async def answer_with_fallback(primary, secondary, prompt: str, *, timeout: float = 2.0) -> Completion:
    """The primary's answer within ``timeout`` course seconds, else the secondary's."""
    # BEGIN SOLUTION
    limit = clock.to_real(timeout)
    try:
        async with asyncio.timeout(limit):
            return await primary.complete(prompt)
    except (TimeoutError, LLMError):
        pass
    async with asyncio.timeout(limit):
        return await secondary.complete(prompt)
    # END SOLUTION
