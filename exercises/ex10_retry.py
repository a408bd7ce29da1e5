# Exercise stub generated from solutions/ex10_retry.py: write your code where it raises NotImplementedError.
"""Lesson 10 (Retries and fallbacks) · Retry with exponential backoff, jitter, and ``retry_after``.

Transient failures (500, 503, a dropped stream, a 429) are normal for an LLM API; the fix is to
try again -- politely. Wait longer after each failure (exponential backoff), randomise the wait
so many clients do not retry in lockstep (jitter), and when the server says how long to wait
(``RateLimitError.retry_after``, in seconds), wait at least that long.

Your task
---------
Write ``complete_with_retry(llm, prompt, attempts=5, base_delay=0.5, max_delay=8.0)``:

* call ``await llm.complete(prompt)``, at most ``attempts`` times in total;
* retry only on ``LLMError`` whose ``retryable`` attribute is true (``BadRequestError`` is not:
  re-raise it at once). Any other exception also goes straight to the caller;
* before retry number ``k`` (k = 1, 2, ...) wait a random time between 0 and
  ``min(max_delay, base_delay * 2 ** (k - 1))`` seconds ("full jitter");
* after a ``RateLimitError``, wait at least its ``retry_after``;
* when every attempt has failed, raise the last error;
* wait with ``await asyncio.sleep(...)``, never ``time.sleep``.
"""

from __future__ import annotations

import random

import asyncio
from course_utils.faults import LLMError, RateLimitError
from course_utils.llm import Completion


async def complete_with_retry(llm, prompt: str, *, attempts: int = 5, base_delay: float = 0.5,
                              max_delay: float = 8.0) -> Completion:
    """``llm.complete(prompt)`` with retries: exponential backoff, full jitter, retry_after."""
    raise NotImplementedError("ex10_retry.complete_with_retry is not written yet: replace this line with your code. Need a nudge? hint('ex10_retry')")
