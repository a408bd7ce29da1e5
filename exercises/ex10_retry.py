# Exercise stub generated from solutions/ex10_retry.py: write your code where it raises NotImplementedError.
"""Lesson 10 (Retries and fallbacks) · Retries with a timeout per attempt, inside an overall budget.

Transient failures (500, 503, a dropped stream, a 429) are normal for an LLM API; the fix is to
try again -- politely: wait longer after each failure (exponential backoff), randomise the wait
(jitter), and after a 429 wait at least the server's ``retry_after``. Production code adds two
deadlines, and needs *both*: a timeout per attempt (a stuck call is abandoned and retried) and
an overall budget (the caller waits this long at most, retries and waits included).

Your task
---------
Write ``complete_with_retry(llm, prompt, *, attempts=5, base_delay=0.5, max_delay=8.0,
attempt_timeout=None, budget=None)``:

* call ``await llm.complete(prompt)``, at most ``attempts`` times in total;
* give each call at most ``attempt_timeout`` seconds (``None``: no limit). A call that runs out
  of time is cancelled and counts as a failure worth retrying;
* retry an ``LLMError`` whose ``retryable`` attribute is true; re-raise a non-retryable one
  (``BadRequestError``) at once; any other exception also goes straight to the caller;
* before retry number ``k`` (k = 1, 2, ...) wait a random time between 0 and
  ``min(max_delay, base_delay * 2 ** (k - 1))`` seconds ("full jitter"); after a
  ``RateLimitError``, wait at least its ``retry_after``;
* when every attempt has failed, raise the last error (``TimeoutError`` if it timed out);
* the whole call -- attempts and waits -- takes at most ``budget`` seconds (``None``: no limit).
  When the budget runs out, stop at once (cancel the running attempt, or cut the wait short)
  and raise ``TimeoutError``;
* if the caller cancels ``complete_with_retry``, stop at once: a cancellation is never retried.
"""

from __future__ import annotations

import asyncio
import random

from course_utils.faults import LLMError, RateLimitError
from course_utils.llm import Completion


async def complete_with_retry(llm, prompt: str, *, attempts: int = 5, base_delay: float = 0.5,
                              max_delay: float = 8.0, attempt_timeout: float | None = None,
                              budget: float | None = None) -> Completion:
    """``llm.complete(prompt)`` with retries, a timeout per attempt and an overall budget."""
    raise NotImplementedError("ex10_retry.complete_with_retry is not written yet: replace this line with your code. Need a nudge? hint('ex10_retry')")
