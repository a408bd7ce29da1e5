"""Hints for ex15_usage_race, from a nudge to near-code; shown one at a time by hint("ex15_usage_race").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "A race between tasks needs an await in the middle: here there are two, between reading the "
    "total, deciding, and writing it back. What must no other agent do while one agent is between "
    "its get() and its set()?",
    "Make the read, the check and the write one step: hold an asyncio.Lock from before get() to "
    "after set(). Create it in __init__, so each tracker has its own; `async with` releases it "
    "even when the store raises.",
    "__init__: self._lock = asyncio.Lock(). add: async with self._lock: used = await "
    "self.store.get(); if used + tokens > self.limit: return False; await self.store.set(used + "
    "tokens); return True",
]
