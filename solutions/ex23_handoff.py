"""Lesson 23 (Several agents) · Hand one agent's answers to the next, over a bounded queue.

``first`` and ``second`` are agents: ``await first(text)`` returns an answer, and
``await second(answer)`` turns that answer into a result. Write the hand-off between them as
one function that owns everything it starts:

* ``first`` works through ``texts`` in order, one at a time, and puts each answer on an
  ``asyncio.Queue(maxsize)``. It does not wait for ``second``: the two agents work at the same
  time on different items;
* a consumer running concurrently takes the answers off the queue, in order, and awaits
  ``second`` on each. The queue is bounded, so when ``second`` falls behind, ``first`` waits in
  ``put()`` (backpressure) instead of racing ahead;
* when ``first`` is done, tell the consumer there is nothing more (e.g. put a sentinel);
* if either agent raises, the other one stops at once (it is cancelled) and the error reaches the
  caller (an ``ExceptionGroup`` holding it is fine: that is what a ``TaskGroup`` raises). Nothing
  may be left running when ``handoff`` returns or raises.

Your task
---------
``handoff(texts, first, second, maxsize=2)`` returns ``second``'s results, in the order of ``texts``.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

Agent = Callable[[Any], Awaitable[Any]]


async def handoff(texts: list[Any], first: Agent, second: Agent, maxsize: int = 2) -> list[Any]:
    """second(first(text)) for every text, the two agents overlapping over a bounded queue."""
    # BEGIN SOLUTION
    queue: asyncio.Queue = asyncio.Queue(maxsize=maxsize)
    done = object()
    results: list[Any] = []

    async def produce() -> None:
        for text in texts:
            await queue.put(await first(text))
        await queue.put(done)

    async def consume() -> None:
        while (answer := await queue.get()) is not done:
            results.append(await second(answer))

    async with asyncio.TaskGroup() as tg:
        tg.create_task(produce())
        tg.create_task(consume())
    return results
    # END SOLUTION
