# Exercise stub generated from solutions/ex15_usage_race.py: write your code where it raises NotImplementedError.
"""Lesson 15 (Pitfalls) · Count tokens in a shared store without losing updates.

Every agent adds the tokens it used to a total kept in an external store (think Redis or a
database: ``await store.get()`` and ``await store.set(value)`` are round trips). This version
loses updates when agents run concurrently::

    async def add(self, tokens):
        current = await self.store.get()
        await self.store.set(current + tokens)   # others may have written since our get

Your task
---------
Finish ``UsageTracker`` so that concurrent ``add`` calls never lose an update:

* ``add(tokens)`` reads the total from ``self.store`` and writes the new total back (the store
  has no atomic increment);
* two trackers on **different** stores must not slow each other down (one lock per tracker,
  not one for the whole program), and a tracker must work in any event loop (create the lock in
  ``__init__``, not at module level);
* if the store fails (``get`` or ``set`` raises), the error reaches the caller and the tracker
  keeps working for the next ``add``.
"""

from __future__ import annotations

import asyncio


class UsageTracker:
    """Adds token counts to a shared store; safe when many agents call ``add`` at once."""

    def __init__(self, store) -> None:
        self.store = store
        raise NotImplementedError("ex15_usage_race.UsageTracker.__init__ is not written yet: replace this line with your code. Need a nudge? hint('ex15_usage_race')")

    async def add(self, tokens: int) -> None:
        """Add ``tokens`` to the store's total."""
        raise NotImplementedError("ex15_usage_race.UsageTracker.add is not written yet: replace this line with your code. Need a nudge? hint('ex15_usage_race')")
