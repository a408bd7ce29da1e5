"""Lesson 07 (Limiting concurrency) · At most ``limit`` calls at once, with polite retries after a 429.

Firing 500 prompts at a provider in one ``gather`` gets you 429s, timeouts and an angry bill; a
semaphore keeps at most ``limit`` calls in flight. But a limited fetcher still meets a 429
("Too Many Requests") now and then, and the provider says how long to wait
(``RateLimitError.retry_after``, in seconds). The tempting place for the wait -- inside
``async with semaphore:``, right where the error was caught -- keeps the slot busy doing
nothing, while other prompts that could use it queue behind a sleeping task.

Your task
---------
Write ``fetch_all(llm, prompts, limit, *, attempts=3)``:

* call ``await llm.complete(prompt)`` for every prompt, with **at most** ``limit`` calls in
  flight at any moment -- and as many as ``limit`` whenever there is work waiting (start the
  next prompt as soon as a slot is free, not batch by batch);
* when a call raises ``RateLimitError``, wait its ``retry_after`` seconds and try that prompt
  again, at most ``attempts`` calls per prompt in total; **do not hold a slot while you wait**:
  give it back, sleep, then queue for a slot again;
* after the last attempt, or on any other error, the error reaches the caller;
* return the completions in the order of ``prompts``.

Twelve prompts of ~0.6 seconds with ``limit=3`` take about 2.4 seconds: four rounds of three.
"""

from __future__ import annotations

import asyncio

from course_utils.faults import RateLimitError
from course_utils.llm import Completion


async def fetch_all(llm, prompts: list[str], limit: int, *, attempts: int = 3) -> list[Completion]:
    """Complete every prompt, at most ``limit`` at a time, retrying 429s outside the limit; in order."""
    # BEGIN SOLUTION
    slots = asyncio.Semaphore(limit)

    async def one(prompt: str) -> Completion:
        for attempt in range(1, attempts + 1):
            async with slots:
                try:
                    return await llm.complete(prompt)
                except RateLimitError as error:
                    if attempt == attempts:
                        raise
                    wait = error.retry_after
            await asyncio.sleep(wait)  # outside the semaphore: the slot serves others meanwhile
        raise ValueError("attempts must be at least 1")

    return list(await asyncio.gather(*(one(p) for p in prompts)))
    # END SOLUTION
