"""Hints for ex15_usage_race, from a nudge to near-code; shown one at a time by hint("ex15_usage_race").

Read with ast, never imported. Only the last tier may come close to the answer."""

HINTS = [
    "Between `await self.store.get()` and `await self.store.set(...)` other agents run. What "
    "asyncio primitive lets only one coroutine at a time be inside a block?",
    "Create `self._lock = asyncio.Lock()` in __init__, and put both store calls inside "
    "`async with self._lock:` in add. `async with` releases the lock even when the store raises.",
    "__init__: self.store = store; self._lock = asyncio.Lock() -- add: async with self._lock: "
    "current = await self.store.get(); await self.store.set(current + tokens)",
]
