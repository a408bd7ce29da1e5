"""Lesson 15 (Pitfalls) · Fix a token budget that agents overspend together.

A team of agents shares a monthly token budget, kept in an external store (think Redis or a
database: ``await store.get()`` and ``await store.set(value)`` are network round trips; the
store has no atomic increment). Before each LLM call an agent asks the tracker for the tokens it
needs. A colleague wrote::

    class UsageTracker:
        def __init__(self, store, limit):
            self.store, self.limit = store, limit

        async def add(self, tokens):
            used = await self.store.get()
            if used + tokens > self.limit:      # check ...
                return False
            await self.store.set(used + tokens)  # ... act: but other agents ran at the await
            return True

Run alone it is right. Run by twenty agents at once, it approves far more than the budget and
loses updates: every agent reads the same ``used``, finds room, and writes its own total.

Your task
---------
Fix ``UsageTracker`` so that concurrent ``add`` calls behave as if they ran one at a time:

* ``add(tokens)`` reads the total from ``self.store``; if ``total + tokens`` would exceed
  ``self.limit`` it returns ``False`` and writes nothing; otherwise it writes the new total and
  returns ``True``;
* no update is ever lost, and the total never exceeds ``limit``, however many agents call
  ``add`` at the same time;
* two trackers on **different** stores must not slow each other down (one lock per tracker,
  not one for the whole program), and a tracker must work in any event loop (create what you
  need in ``__init__``, not at module level);
* if the store fails (``get`` or ``set`` raises), the error reaches the caller and the tracker
  keeps working for the next ``add``.
"""

from __future__ import annotations

import asyncio


class UsageTracker:
    """Adds token counts to a shared store within a limit; safe when many agents call ``add`` at once."""

    def __init__(self, store, limit: int) -> None:
        self.store = store
        self.limit = limit
        # BEGIN SOLUTION
        self._lock = asyncio.Lock()
        # END SOLUTION

    async def add(self, tokens: int) -> bool:
        """Add ``tokens`` to the store's total if it stays within ``limit``; return whether it did."""
        # BEGIN SOLUTION
        async with self._lock:  # the check and the write must see no other agent in between
            used = await self.store.get()
            if used + tokens > self.limit:
                return False
            await self.store.set(used + tokens)
            return True
        # END SOLUTION
