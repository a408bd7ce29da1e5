# MUTATION: acquire() and release() by hand, with no finally: a failing store keeps the lock for ever
# EXPECT: the lock was never released
class UsageTracker:
    def __init__(self, store, limit):
        self.store, self.limit = store, limit
        self._lock = asyncio.Lock()

    async def add(self, tokens):
        await self._lock.acquire()
        used = await self.store.get()
        if used + tokens > self.limit:
            self._lock.release()
            return False
        await self.store.set(used + tokens)
        self._lock.release()
        return True
