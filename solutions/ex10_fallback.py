"""Lesson 10 (Retries and fallbacks) · A timeout on the main model, and a fallback model.

A call without a timeout can hang forever (a stuck connection looks exactly like a slow
answer). An agent with a deadline should give the main model a time budget and, if it fails or
runs out of time, ask a second model instead.

Your task
---------
Write ``answer_with_fallback(primary, secondary, prompt, timeout=2.0)``:

1. Ask ``primary.complete(prompt)`` with a time limit of ``timeout`` seconds. If it answers in time, return its answer; the secondary
   is never called.
2. If the primary raises an ``LLMError`` or runs out of time, ask ``secondary.complete(prompt)``
   with the same time limit, and return its answer.
3. If the secondary fails too, its error (an ``LLMError``, or ``TimeoutError``) reaches the caller.
4. A timed-out call must really be stopped (cancelled), not left running in the background.
5. Fall back only for those two reasons. Any other exception from the primary is a bug, not an
   outage: it reaches the caller, and the secondary is not called. If the caller cancels
   ``answer_with_fallback`` (its own deadline, a user who left), the cancellation goes through:
   no fallback call is made.
"""

from __future__ import annotations

import asyncio

from course_utils.faults import LLMError
from course_utils.llm import Completion


async def answer_with_fallback(primary, secondary, prompt: str, *, timeout: float = 2.0) -> Completion:
    """The primary's answer within ``timeout`` seconds, else the secondary's."""
    # BEGIN SOLUTION
    limit = timeout
    try:
        async with asyncio.timeout(limit):
            return await primary.complete(prompt)
    except (TimeoutError, LLMError):
        pass
    async with asyncio.timeout(limit):
        return await secondary.complete(prompt)
    # END SOLUTION
