# Exercise stub generated from solutions/ex07_rate_limit.py: write your code where it raises NotImplementedError.
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
    raise NotImplementedError("ex07_rate_limit.fetch_all is not written yet: replace this line with your code. Need a nudge? hint('ex07_rate_limit')")
