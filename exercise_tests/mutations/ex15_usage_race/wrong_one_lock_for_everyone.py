# MUTATION: one module-level lock shared by every tracker
# EXPECT: Create the lock in __init__
_LOCK = asyncio.Lock()


class UsageTracker:
    def __init__(self, store, limit):
        self.store, self.limit = store, limit

    async def add(self, tokens):
        async with _LOCK:
            used = await self.store.get()
            if used + tokens > self.limit:
                return False
            await self.store.set(used + tokens)
            return True
