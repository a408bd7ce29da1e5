# Exercise stub generated from solutions/ex23_handoff.py: write your code where it raises NotImplementedError.
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
    raise NotImplementedError("ex23_handoff.handoff is not written yet: replace this line with your code. Need a nudge? hint('ex23_handoff')")
