"""Lesson 07 (Limiting concurrency) · Fetch everything, but never more than ``limit`` calls at once.

Firing 500 prompts at a provider in one ``gather`` gets you 429s, timeouts and an angry bill.
A semaphore is a counter of free slots: ``async with semaphore:`` takes a slot (waiting if
there is none) and gives it back when the block ends, even on errors.

Your task
---------
Write ``fetch_all(llm, prompts, limit)``:

* call ``await llm.complete(prompt)`` for every prompt, with **at most** ``limit`` calls in
  flight at any moment -- and as many as ``limit`` whenever there is work waiting (a limit is
  a ceiling, not a reason to go slowly);
* return the completions in the order of ``prompts``;
* if a call raises, the error reaches the caller.

Twelve prompts of ~0.6 seconds with ``limit=3`` should take about 2.4 seconds:
four rounds of three, not twelve calls in a row.
"""

from __future__ import annotations

import asyncio

from course_utils.llm import Completion


async def fetch_all(llm, prompts: list[str], limit: int) -> list[Completion]:
    """Complete every prompt, at most ``limit`` at a time, results in order."""
    # BEGIN SOLUTION
    semaphore = asyncio.Semaphore(limit)

    async def one(prompt: str) -> Completion:
        async with semaphore:
            return await llm.complete(prompt)

    return list(await asyncio.gather(*(one(p) for p in prompts)))
    # END SOLUTION
