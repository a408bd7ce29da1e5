# A Semaphore(1) with try/finally does the same job as a Lock.
class UsageTracker:
    def __init__(self, store, limit):
        self.store = store
        self.limit = limit
        self._one_at_a_time = asyncio.Semaphore(1)

    async def add(self, tokens):
        await self._one_at_a_time.acquire()
        try:
            total = await self.store.get() + tokens
            if total > self.limit:
                return False
            await self.store.set(total)
            return True
        finally:
            self._one_at_a_time.release()
