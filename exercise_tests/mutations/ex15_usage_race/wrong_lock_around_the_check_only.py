# MUTATION: locks the read and the check, but writes after releasing the lock
# EXPECT: other tasks run at every await between get() and set()
class UsageTracker:
    def __init__(self, store, limit):
        self.store, self.limit = store, limit
        self._lock = asyncio.Lock()

    async def add(self, tokens):
        async with self._lock:
            used = await self.store.get()
            if used + tokens > self.limit:
                return False
        await self.store.set(used + tokens)
        return True
