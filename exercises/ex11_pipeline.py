# Exercise stub generated from solutions/ex11_pipeline.py: write your code where it raises NotImplementedError.
"""Lesson 11 (Queues, pools and pipelines) · A two-stage pipeline with a bounded queue (backpressure).

Reading documents is quick; summarising them with a model is slow. If the reader puts
everything it reads on an unbounded queue, it races ahead and piles up work in memory. A
*bounded* queue (``asyncio.Queue(maxsize=n)``) makes ``await queue.put(...)`` wait while the
queue is full: the fast stage is held back by the slow one. That is backpressure.

Your task
---------
Write ``summarize_documents(names, read, summarize, queue_size=2, summarizers=2)``:

* **stage 1**: one reader task awaits ``read(name)`` for each name, in order, and puts
  ``(name, text)`` on an ``asyncio.Queue(maxsize=queue_size)``;
* **stage 2**: ``summarizers`` tasks take items from the queue and await ``summarize(text)``;
* return ``{name: summary}`` with the keys in the order of ``names``;
* when all the work is done, every task has finished (tell the summarizers there is no more
  work -- e.g. one ``None`` per summarizer -- or cancel them);
* if ``read`` or ``summarize`` raises, stop everything (no task left running, no hang) and let
  the error reach the caller (on its own or inside an ``ExceptionGroup``).
"""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable


async def summarize_documents(names: list[str], read: Callable[[str], Awaitable[str]],
                              summarize: Callable[[str], Awaitable[str]], *, queue_size: int = 2,
                              summarizers: int = 2) -> dict[str, str]:
    """Read → bounded queue → ``summarizers`` workers; ``{name: summary}`` in order of ``names``."""
    raise NotImplementedError("ex11_pipeline.summarize_documents is not written yet: replace this line with your code. Need a nudge? hint('ex11_pipeline')")
